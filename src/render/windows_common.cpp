#include "render/windows_common.hpp"
