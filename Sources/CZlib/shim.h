#ifndef QACTL_CZLIB_SHIM_H
#define QACTL_CZLIB_SHIM_H

// zlib's one-shot compress2/uncompress, for the blocks of shape log files.
#include <zlib.h>

#endif
