// LAPACKE from Debian's liblapacke-dev.
#include <lapacke.h>
