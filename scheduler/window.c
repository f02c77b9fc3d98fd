/* window: stub */
#include "window.h"
