# Sourced by pfs scripts: finds a JDK 25 or newer and exports JAVA_HOME and PATH.
# Order: $JAVA_HOME if it is new enough, then the JVMs installed under /usr/lib/jvm.

pfs_java_major() {
  # A JDK's release file names its version; reading it spares every ./pfs run a second JVM start.
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n1
    return
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}

pfs_find_java() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(pfs_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "pfs: no JDK 25 found (looked at \$JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/*)." >&2
  echo "pfs: install Temurin 25 (or any JDK 25+) under /usr/lib/jvm, or set JAVA_HOME to one." >&2
  return 1
}
