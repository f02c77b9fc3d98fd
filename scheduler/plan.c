/* plan: stub */
#include "plan.h"
