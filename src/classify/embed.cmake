# cmake -DIN=detectors.yaml -DOUT=embedded_detectors.cpp -P embed.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}.tmp "// Generated from data/detectors.yaml by src/classify/embed.cmake; do not edit.
#include <cstddef>
namespace tollgate::classify {
extern const unsigned char kEmbeddedDetectorsYaml[];
extern const std::size_t kEmbeddedDetectorsYamlSize;
const unsigned char kEmbeddedDetectorsYaml[] = {
${bytes}0x00};
const std::size_t kEmbeddedDetectorsYamlSize = ${size};
}  // namespace tollgate::classify
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
