#include "render/cisco_common.hpp"
