//go:build linux && (amd64 || arm64)

package tus

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE of sync_file_range(2),
// which the syscall package does not name.
const syncFileRangeWrite = 2

// startWriteback asks the kernel to start writing n bytes at off to disk
// without waiting for them, so that the sync ending a PATCH finds most of
// its bytes written while the rest arrived instead of writing all of them
// then. It is a hint: an error changes nothing, the sync still follows.
func startWriteback(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
	})
}
