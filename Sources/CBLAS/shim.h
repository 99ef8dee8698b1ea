// CBLAS from Debian's libopenblas-dev (header in the multiarch include directory).
#include <cblas.h>
