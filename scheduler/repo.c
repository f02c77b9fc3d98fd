/* repo: stub */
#include "repo.h"
