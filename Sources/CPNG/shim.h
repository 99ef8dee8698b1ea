// libpng's simplified read/write API from Debian's libpng-dev.
#include <png.h>
