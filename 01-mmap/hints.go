//go:build linux && (amd64 || arm64)

// The hints of the exercise, one per lesson function, in the order the
// README asks for them: `go run -tags exercise ./01-mmap hint FUNC -level N`.
// Level 1 is the idea, 2 the call with its flags and errors, 3 the steps.

package main

import "shmlab/internal/exercise"

func init() { program.Hints = hints }

var hints = []exercise.Hint{
	{
		Func: "MapFile", Notes: "001 §1.1.1.1", Man: "mmap(2), open(2)",
		Levels: [3]string{
			`A file mapping (内存映射) needs a descriptor of the file only while mmap
runs: the mapping keeps its own reference to the file, so the descriptor
is closed before returning, on success and on failure alike. Open the file
only as much as the mapping needs: a MAP_SHARED mapping with PROT_WRITE
writes back into the file, so it needs the file open read-write; any other
mapping (PROT_READ, or MAP_PRIVATE even with PROT_WRITE: copy-on-write,
写时复制, never writes back) needs only read access, and so works on a file
the process may not write.`,
			`open(2) with O_RDONLY or O_RDWR, always with O_CLOEXEC (a program this
process starts must not inherit the descriptor; the grading reads the
flags with strace). Then mmap(2) with addr NULL (the kernel chooses),
length, prot, flags, the descriptor and offset, passed as given: the kernel
itself refuses an offset that is not a multiple of the page size (EINVAL).
In Go: unix.Open, unix.MmapPtr, unix.Close. Errors: open gives ENOENT,
EACCES (the file's mode does not allow the open mode), mmap gives EINVAL
(length 0, offset inside a page), ENODEV, EACCES, EPERM (PROT_EXEC on a
noexec mount). Return them as os.NewSyscallError("open", err) or
os.NewSyscallError("mmap", err): the scenarios match "open: EACCES".`,
			`1. Pick the open mode from prot and flags (read-write only for
   MAP_SHARED with PROT_WRITE).
2. Open the file with that mode and O_CLOEXEC; on failure return the open
   error.
3. Arrange for the descriptor to be closed whatever happens next (a defer).
4. mmap it; on failure return the mmap error.
5. Turn the address into a []byte of length bytes (unsafe.Slice) and
   return it.
The grading counts the descriptors left open on the file (/proc/self/fd):
0 after a mapping, 0 after a failed mmap.`,
		},
		Zh: [3]string{
			`文件的内存映射只在 mmap 调用期间需要文件描述符:映射本身持有对文件的引用,
所以返回前要关闭描述符,成功和失败都一样。打开文件的权限只要映射需要的那么多:
MAP_SHARED 加 PROT_WRITE 的映射会写回文件,需要读写打开;其他映射(只读映射,
或者 MAP_PRIVATE 即使带 PROT_WRITE:写时复制,从不写回)只需要读权限,
因此对进程不能写的文件也能映射。`,
			`open(2) 用 O_RDONLY 或 O_RDWR,并且总是加 O_CLOEXEC(本进程启动的程序不应继承
这个描述符;评分用 strace 检查标志)。然后 mmap(2):addr 为 NULL(由内核选择地址),
length、prot、flags、描述符和 offset 原样传入:offset 不是页大小的整数倍时,
内核自己会返回 EINVAL。Go 里用 unix.Open、unix.MmapPtr、unix.Close。
错误:open 可能返回 ENOENT、EACCES(文件权限不允许这种打开方式),mmap 可能返回
EINVAL(长度为 0,或偏移不在页边界上)、ENODEV、EACCES、EPERM(noexec 挂载的文件
系统上要求 PROT_EXEC)。用 os.NewSyscallError("open", err) 或
os.NewSyscallError("mmap", err) 返回:场景检查的是 "open: EACCES" 这样的行。`,
			`1. 根据 prot 和 flags 选择打开方式(只有 MAP_SHARED 加 PROT_WRITE 才读写打开)。
2. 用这个方式加 O_CLOEXEC 打开文件;失败就返回 open 的错误。
3. 保证之后无论发生什么描述符都会被关闭(defer)。
4. 调用 mmap;失败就返回 mmap 的错误。
5. 把地址转换成长度为 length 的 []byte(unsafe.Slice)并返回。
评分会数文件上还开着的描述符(/proc/self/fd):映射之后是 0,mmap 失败之后也是 0。`,
		},
	},
	{
		Func: "Unmap", Notes: "001 §1.1.1.2", Man: "munmap(2)",
		Levels: [3]string{
			`munmap removes pages from the address space: an access afterwards is a
SIGSEGV. It works on any page-aligned part of a mapping: unmapping the
middle splits the mapping in two (two lines in /proc/self/maps). A process
that exits loses its mappings without munmap.`,
			`munmap(2) with the address of the first byte of b and len(b). In Go:
unix.MunmapPtr, with an unsafe.Pointer to b's first byte
(unsafe.SliceData) and the length as a uintptr (unix.Munmap accepts only a
whole mapping made by unix.Mmap, so not here). Errors: EINVAL when the
address is not on a page boundary. Return os.NewSyscallError("munmap",
err); nil when it worked.`,
			`1. Take the address of b's first byte and its length.
2. Call munmap with them.
3. Return its error as a syscall error (os.NewSyscallError returns nil
   for a nil error).`,
		},
		Zh: [3]string{
			`munmap 把页从地址空间中去掉:之后再访问就是 SIGSEGV。它可以作用于映射中任何按页
对齐的一部分:去掉中间一页会把映射分成两个(/proc/self/maps 里变成两行)。
进程退出时,即使没有 munmap,映射也会自动取消。`,
			`munmap(2),参数是 b 第一个字节的地址和 len(b)。Go 里用 unix.MunmapPtr,传入指向
b 第一个字节的 unsafe.Pointer(unsafe.SliceData)和 uintptr 类型的长度(unix.Munmap
只接受 unix.Mmap 得到的整个映射,这里不适用)。错误:地址不在页边界上时是 EINVAL。
返回 os.NewSyscallError("munmap", err),成功时为 nil。`,
			`1. 取 b 第一个字节的地址和长度。
2. 用它们调用 munmap。
3. 把错误作为系统调用错误返回(os.NewSyscallError 对 nil 返回 nil)。`,
		},
	},
	{
		Func: "PageSize", Notes: "001 §1.1.1 point 1, §1.1.1.1", Man: "getpagesize(2), sysconf(3)",
		Levels: [3]string{
			`Memory is mapped, protected and unmapped in pages (页): a 1-byte mapping
takes a whole page, and a file offset given to mmap must be a multiple of
the page size. The tools of this chapter round an offset down to its page
with it.`,
			`The notes' getpagesize() or sysconf(_SC_PAGESIZE); both answer with the
value the kernel gave the process at exec (AT_PAGESZ). In Go:
unix.Getpagesize or os.Getpagesize. No error is possible.`,
			`Return the page size the system reports. Do not write a number: the
page size is 4096 on x86-64 but 16384 or 65536 on some arm64 machines.`,
		},
		Zh: [3]string{
			`内存以页为单位映射、保护和取消映射:映射 1 个字节也占一整页,传给 mmap 的文件
偏移量必须是页大小的整数倍。本章的工具用它把偏移量向下取整到所在的页。`,
			`笔记里的 getpagesize() 或 sysconf(_SC_PAGESIZE);两者返回的都是内核在 exec
时交给进程的值(AT_PAGESZ)。Go 里用 unix.Getpagesize 或 os.Getpagesize,不会出错。`,
			`返回系统报告的页大小。不要写死一个数字:x86-64 上是 4096,有些 arm64 机器上是
16384 或 65536。`,
		},
	},
	{
		Func: "MapAnon", Notes: "001 §1.1.1.1 MAP_ANONYMOUS", Man: "mmap(2)",
		Levels: [3]string{
			`An anonymous mapping (匿名映射) has no file behind it: the kernel gives a
zero-filled page the first time each page is touched. The caller's flags
decide the rest: MAP_SHARED or MAP_PRIVATE, and MAP_LOCKED to lock the
pages in memory at once (within RLIMIT_MEMLOCK for an unprivileged
process).`,
			`mmap(2) with addr NULL, fd -1, offset 0, and flags|MAP_ANONYMOUS: keep
every flag the caller passed. In Go: unix.MmapPtr. Errors: EAGAIN when
MAP_LOCKED would lock more than RLIMIT_MEMLOCK allows, EPERM when that
limit is 0, ENOMEM when there is no room. Return them as
os.NewSyscallError("mmap", err): the scenarios match "mmap: EAGAIN".`,
			`1. mmap with no address, the length and prot given, the caller's flags
   plus MAP_ANONYMOUS, no file (-1) and offset 0.
2. On failure return the mmap error.
3. Return the address as a []byte of length bytes.`,
		},
		Zh: [3]string{
			`匿名映射背后没有文件:每一页第一次被访问时,内核给一页填满 0 的内存。其余由调用者
的 flags 决定:MAP_SHARED 或 MAP_PRIVATE,以及 MAP_LOCKED(立即把页锁定在内存中,
非特权进程受 RLIMIT_MEMLOCK 限制)。`,
			`mmap(2):addr 为 NULL,fd 为 -1,offset 为 0,flags|MAP_ANONYMOUS:调用者传入的
每个标志都要保留。Go 里用 unix.MmapPtr。错误:MAP_LOCKED 超过 RLIMIT_MEMLOCK 时是
EAGAIN,该限制为 0 时是 EPERM,没有空间时是 ENOMEM。用
os.NewSyscallError("mmap", err) 返回:场景检查 "mmap: EAGAIN"。`,
			`1. 调用 mmap:不指定地址,给定的长度和 prot,调用者的 flags 加上 MAP_ANONYMOUS,
   没有文件(-1),偏移 0。
2. 失败就返回 mmap 的错误。
3. 把地址作为长度为 length 的 []byte 返回。`,
		},
	},
	{
		Func: "Protect", Notes: "001 §1.1.1.3", Man: "mprotect(2)",
		Levels: [3]string{
			`mprotect changes what may be done with the pages of a range: after
PROT_READ a write raises SIGSEGV, after PROT_NONE any access does, and
PROT_READ|PROT_WRITE makes them usable again. /proc/self/maps shows the new
permissions. The range must start on a page boundary.`,
			`mprotect(2) with the address of b, len(b) and prot, exactly as given. In
Go: unix.Mprotect(b, prot). Errors: EINVAL for an address inside a page,
EACCES when a shared file mapping asks for more than the file's open
mode. Return os.NewSyscallError("mprotect", err).`,
			`1. Call mprotect over b with the prot the caller asked for.
2. Return its error as a syscall error (nil when it worked).`,
		},
		Zh: [3]string{
			`mprotect 改变一段内存的页允许做什么:设为 PROT_READ 后写入会引发 SIGSEGV,
设为 PROT_NONE 后任何访问都会,PROT_READ|PROT_WRITE 让它们重新可用。
/proc/self/maps 会显示新的权限。范围必须从页边界开始。`,
			`mprotect(2),参数是 b 的地址、len(b) 和 prot,原样传入。Go 里用
unix.Mprotect(b, prot)。错误:地址在页中间时是 EINVAL;共享的文件映射要求超过文件
打开方式的权限时是 EACCES。返回 os.NewSyscallError("mprotect", err)。`,
			`1. 对 b 调用 mprotect,用调用者要求的 prot。
2. 把错误作为系统调用错误返回(成功时为 nil)。`,
		},
	},
	{
		Func: "MapFixed", Notes: "001 §1.1.1.1 MAP_FIXED", Man: "mmap(2)",
		Levels: [3]string{
			`MAP_FIXED maps at exactly the address given, and silently throws away
whatever was mapped there: the old bytes are gone. MAP_FIXED_NOREPLACE
(Linux 4.17) maps at that address too, but refuses when something is
there already. Without either flag (fixedFlag 0), the address is only a
hint: the kernel rounds it to a page boundary, and maps somewhere else
when the pages there are taken.`,
			`mmap(2) with addr = the address of at's first byte, length len(at),
PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|fixedFlag (the caller's
MAP_FIXED, MAP_FIXED_NOREPLACE or 0), fd -1, offset 0. In Go: unix.MmapPtr
with unsafe.Pointer(unsafe.SliceData(at)). Errors: EEXIST from
MAP_FIXED_NOREPLACE over a mapping, EINVAL for MAP_FIXED at an address
inside a page. Return os.NewSyscallError("mmap", err).`,
			`1. Take the address and length of at.
2. mmap anonymous private memory there, readable and writable, with the
   fixed flag the caller gave.
3. On failure return the mmap error; else the new mapping as a []byte
   starting at the address mmap returned (with a hint, not always the
   one asked for).`,
		},
		Zh: [3]string{
			`MAP_FIXED 把映射放在给定的确切地址上,并且不声不响地丢掉那里原有的映射:旧数据就
没了。MAP_FIXED_NOREPLACE(Linux 4.17)同样映射到该地址,但那里已有映射时拒绝。
两个标志都不带时(fixedFlag 为 0),地址只是一个建议:内核把它取整到页边界,那里的页
已被占用时就映射到别处。`,
			`mmap(2):addr 是 at 第一个字节的地址,长度 len(at),PROT_READ|PROT_WRITE,
MAP_PRIVATE|MAP_ANONYMOUS|fixedFlag(调用者给的 MAP_FIXED、MAP_FIXED_NOREPLACE 或 0),
fd 为 -1,偏移 0。Go 里用 unix.MmapPtr 和 unsafe.Pointer(unsafe.SliceData(at))。
错误:MAP_FIXED_NOREPLACE 遇到已有映射时是 EEXIST;MAP_FIXED 的地址在页中间时是
EINVAL。返回 os.NewSyscallError("mmap", err)。`,
			`1. 取 at 的地址和长度。
2. 在那里映射可读可写的私有匿名内存,带上调用者给的 fixed 标志。
3. 失败就返回 mmap 的错误;否则把新映射作为 []byte 返回,从 mmap 返回的地址开始
   (只是建议地址时,不一定是要求的那个)。`,
		},
	},
}
