#ifndef IMAGERY_CYAML_SHIM_H
#define IMAGERY_CYAML_SHIM_H

// Thin umbrella over the system libyaml so Swift sees the event API directly.
#include <yaml.h>

#endif
