# Script mode: writes OUT, a C file defining `const char NAME[]` (NUL-ended)
# and `const size_t NAME_len` with the bytes of IN.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR n "${nhex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* Generated from ${IN}; do not edit. */\n#include <stddef.h>\n"
  "const char ${NAME}[] = {${bytes}0};\nconst size_t ${NAME}_len = ${n};\n")
