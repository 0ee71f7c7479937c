// OpenBLAS's CBLAS interface, from the bytedeco preset's headers (the plugin puts them on the
// include path); the library itself is loaded by the preset before ours.
#pragma once
#include <cblas.h>
