/* policy: stub */
#include "policy.h"
