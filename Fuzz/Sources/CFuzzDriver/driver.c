// Only the declaration in include/CFuzzDriver.h matters; libFuzzer defines the function.
#include "CFuzzDriver.h"
