/* jsonloc: stub */
#include "jsonloc.h"
