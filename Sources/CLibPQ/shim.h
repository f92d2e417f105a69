#ifndef QACTL_CLIBPQ_SHIM_H
#define QACTL_CLIBPQ_SHIM_H

// libpq's client API: connections, queries, COPY BOTH for logical replication.
#include <libpq-fe.h>

#endif
