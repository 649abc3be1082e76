// libyaml (Debian: libyaml-dev), used only for its event parser by Bindings' config loader.
#include <yaml.h>
