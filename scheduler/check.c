/* check: stub */
#include "check.h"
