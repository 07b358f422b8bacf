package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FuseMountOptionsTest {
    @Test
    void knownOptionsBecomeMountArguments() {
        FuseMountOptions o = FuseMountOptions.defaults("/v.img").withOptions("ro, allow_other,attr_timeout=5,max_threads=4");
        assertThat(o.readOnly()).isTrue();
        assertThat(o.allowOther()).isTrue();
        assertThat(o.attrTimeout()).isEqualTo(5.0);
        assertThat(o.sessionOptions().threads()).isEqualTo(4);
        assertThat(o.sessionOptions().mountData(7))
                .isEqualTo("fd=7,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other");
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
        assertThat(FuseMountOptions.defaults("/a b,allow_other").sessionOptions().source()).isEqualTo("/a_b_allow_other");
    }
}
