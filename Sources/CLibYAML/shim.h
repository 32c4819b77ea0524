#ifndef EXPORTPIPE_CLIBYAML_SHIM_H
#define EXPORTPIPE_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
