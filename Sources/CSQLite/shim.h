// The system SQLite C API, for acpd's store layer (Sources/ACPControlPlane/Store/SQLite).
#include <sqlite3.h>
