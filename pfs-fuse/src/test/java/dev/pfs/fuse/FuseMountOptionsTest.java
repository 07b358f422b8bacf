package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FuseMountOptionsTest {
    @Test
    void knownOptionsBecomeLibfuseArguments() {
        FuseMountOptions o = FuseMountOptions.defaults("/v.img").withOptions("ro, allow_other,attr_timeout=5,max_threads=4");
        assertThat(o.readOnly()).isTrue();
        assertThat(o.allowOther()).isTrue();
        assertThat(o.libfuseArgs()).containsExactly("-o", "fsname=/v.img,subtype=pfs,default_permissions,"
                + "attr_timeout=5.0,entry_timeout=1.0,negative_timeout=0,max_threads=4,ro,allow_other");
    }

    @Test
    void unknownOrMalformedOptionsAreRefusedByName() {
        FuseMountOptions d = FuseMountOptions.defaults("v");
        assertThatThrownBy(() -> d.withOptions("writeback_cache")).hasMessageStartingWith("unknown mount option 'writeback_cache'");
        assertThatThrownBy(() -> d.withOptions("attr_timeout")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> d.withOptions("attr_timeout=x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> d.withOptions("ro=1")).hasMessageContaining("takes no value");
        assertThatThrownBy(() -> d.withOptions("max_threads=0")).hasMessageContaining("out of range");
        assertThat(d.withOptions(" , ")).isEqualTo(d);
    }

    @Test
    void fsNameCannotInjectOptions() {
        assertThat(FuseMountOptions.defaults("/a b,allow_other").libfuseArgs().get(1)).startsWith("fsname=/a_b_allow_other,");
    }
}
