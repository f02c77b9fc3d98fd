/* field: stub */
#include "field.h"
