//go:build linux && (amd64 || arm64)

// The hints of the exercise, one per lesson function, in the order the
// README asks for them: `go run -tags exercise ./05-sync-lock hint FUNC
// -level N`. Level 1 is the idea, 2 the call with its flags and errors, 3
// the steps.

package main

import "shmlab/internal/exercise"

func init() { program.Hints = hints }

var hints = []exercise.Hint{
	{
		Func: "MapFile", Notes: "001 §1.1.1.1", Man: "mmap(2), open(2)",
		Levels: [3]string{
			`msync and mlock work on mappings, so first map a file (内存映射), as in
chapter 01, from offset 0. The mapping keeps its own reference to the
file: the descriptor is needed only while mmap runs, and is closed before
returning. Open the file only as much as the mapping needs: read-write
for MAP_SHARED with PROT_WRITE (it writes back), read-only otherwise, so
a read-only shared mapping works on a file the process may not write.`,
			`open(2) with O_RDONLY or O_RDWR, always with O_CLOEXEC (a program this
process starts must not inherit the descriptor; the grading reads the
flags with strace). Then mmap(2) with addr NULL, length, prot, flags, the
descriptor and offset 0. In Go: unix.Open, unix.MmapPtr, unix.Close.
Errors: ENOENT, EACCES from open; EINVAL, ENODEV, EACCES from mmap.
Return them as os.NewSyscallError("open", err) or
os.NewSyscallError("mmap", err).`,
			`1. Pick the open mode from prot and flags.
2. Open the file with it and O_CLOEXEC; on failure return the open error.
3. Arrange for the descriptor to be closed whatever happens next.
4. mmap it from offset 0; on failure return the mmap error.
5. Return the address as a []byte of length bytes (unsafe.Slice).
The grading counts the descriptors left open on the file in
/proc/self/fd: 0 while it is mapped.`,
		},
		Zh: [3]string{
			`msync 和 mlock 都作用于映射,所以先像第 01 章那样从偏移 0 把文件做内存映射。
映射本身持有对文件的引用:描述符只在 mmap 调用期间需要,返回前要关闭。打开文件的
权限只要映射需要的那么多:MAP_SHARED 加 PROT_WRITE(会写回文件)时读写打开,
否则只读打开,所以只读的共享映射对进程不能写的文件也能用。`,
			`open(2) 用 O_RDONLY 或 O_RDWR,并且总是加 O_CLOEXEC(本进程启动的程序不应继承
这个描述符;评分用 strace 检查标志)。然后 mmap(2):addr 为 NULL,length、prot、
flags、描述符,偏移 0。Go 里用 unix.Open、unix.MmapPtr、unix.Close。错误:open 的
ENOENT、EACCES;mmap 的 EINVAL、ENODEV、EACCES。用
os.NewSyscallError("open", err) 或 os.NewSyscallError("mmap", err) 返回。`,
			`1. 根据 prot 和 flags 选择打开方式。
2. 用它加 O_CLOEXEC 打开文件;失败就返回 open 的错误。
3. 保证之后无论发生什么描述符都会被关闭。
4. 从偏移 0 调用 mmap;失败就返回 mmap 的错误。
5. 把地址作为长度为 length 的 []byte 返回(unsafe.Slice)。
评分会数 /proc/self/fd 中文件上还开着的描述符:映射期间是 0。`,
		},
	},
	{
		Func: "Unmap", Notes: "001 §1.1.1.2", Man: "munmap(2)",
		Levels: [3]string{
			`munmap removes pages from the address space, and with them their locks:
a lock belongs to the mapping. It works on any page-aligned part of a
mapping; the msync-flags experiment unmaps a middle page to make a hole.`,
			`munmap(2) with the address of b's first byte and len(b). In Go:
unix.MunmapPtr, with an unsafe.Pointer to b's first byte
(unsafe.SliceData) and the length as a uintptr. Errors: EINVAL (not on a
page boundary). Return os.NewSyscallError("munmap", err).`,
			`1. Take the address and length of b.
2. Call munmap with them and return its error as a syscall error.`,
		},
		Zh: [3]string{
			`munmap 把页从地址空间中去掉,锁也随之消失:锁属于映射。它可以作用于映射中任何按页
对齐的一部分;msync-flags 实验去掉中间一页来制造一个空洞。`,
			`munmap(2),参数是 b 第一个字节的地址和 len(b)。Go 里用 unix.MunmapPtr,传入指向
b 第一个字节的 unsafe.Pointer(unsafe.SliceData)和 uintptr 类型的长度。错误:EINVAL
(不在页边界上)。返回 os.NewSyscallError("munmap", err)。`,
			`1. 取 b 的地址和长度。
2. 用它们调用 munmap,把错误作为系统调用错误返回。`,
		},
	},
	{
		Func: "Sync", Notes: "001 §1.1.1.4", Man: "msync(2)",
		Levels: [3]string{
			`msync (同步) is about the storage behind a shared file mapping: MS_SYNC
writes the dirty pages (脏页) of the range to the disk and waits. It is not
about visibility: read() sees a store at once, the mapping is the page
cache. On Linux MS_ASYNC starts nothing, and MS_INVALIDATE cancels
nothing. The kernel checks the arguments itself, and its errors are part
of the lesson, so pass the flags through exactly as given.`,
			`msync(2) with the address of b, len(b) and flags, unchanged. In Go:
unix.Msync(b, flags), or the raw system call SYS_MSYNC. Errors: EINVAL
(address not on a page boundary, MS_SYNC and MS_ASYNC together, an
unknown flag), ENOMEM (part of the range is not mapped), EBUSY
(MS_INVALIDATE over a locked range). Return os.NewSyscallError("msync",
err), nil when it worked.`,
			`1. Call msync over b with the caller's flags, adding or removing none.
2. Return its error as a syscall error.
Do not check or round the arguments yourself: the scenarios expect the
kernel's EINVAL, ENOMEM and EBUSY.`,
		},
		Zh: [3]string{
			`msync(同步)关心的是共享文件映射背后的存储:MS_SYNC 把这段范围里的脏页写到磁盘
并等待完成。它与可见性无关:映射就是页缓存,read() 立刻就能看到写入。Linux 上
MS_ASYNC 什么也不启动,MS_INVALIDATE 什么也不取消。参数由内核自己检查,它返回的
错误也是本课内容,所以 flags 要原样传入。`,
			`msync(2),参数是 b 的地址、len(b) 和原样的 flags。Go 里用 unix.Msync(b, flags),
或者直接用系统调用 SYS_MSYNC。错误:EINVAL(地址不在页边界上、MS_SYNC 与 MS_ASYNC
同时给出、未知的标志),ENOMEM(范围中有未映射的部分),EBUSY(对锁定的范围使用
MS_INVALIDATE)。返回 os.NewSyscallError("msync", err),成功时为 nil。`,
			`1. 用调用者的 flags 对 b 调用 msync,不增加也不去掉任何标志。
2. 把错误作为系统调用错误返回。
不要自己检查或对齐参数:场景期待的是内核给出的 EINVAL、ENOMEM 和 EBUSY。`,
		},
	},
	{
		Func: "Lock", Notes: "001 §1.1.1.5", Man: "mlock(2)",
		Levels: [3]string{
			`mlock (锁定) faults in every page the range touches and keeps it in RAM;
VmLck in /proc/self/status and Locked in smaps count them. Locks do not
nest: a page is locked or not, however many times mlock was called. A
lock belongs to this process's mapping, not to the pages for other
processes. Without CAP_IPC_LOCK a process may lock at most
RLIMIT_MEMLOCK bytes.`,
			`mlock(2) with the address of b and len(b); the kernel widens the range
to whole pages. In Go: unix.Mlock(b). Errors: ENOMEM (over RLIMIT_MEMLOCK,
or part of the range not mapped), EPERM (RLIMIT_MEMLOCK is 0, no
CAP_IPC_LOCK), EAGAIN. Return os.NewSyscallError("mlock", err).`,
			`1. Call mlock over all of b.
2. Return its error as a syscall error (nil when it worked).`,
		},
		Zh: [3]string{
			`mlock(锁定)把范围涉及的每一页调入内存并留在 RAM 中;/proc/self/status 的 VmLck
和 smaps 的 Locked 会计入它们。锁定不会叠加:一页要么锁定要么没有,不管调用了多少次
mlock。锁属于本进程的映射,不影响其他进程对同一页的锁定。没有 CAP_IPC_LOCK 的进程
最多只能锁定 RLIMIT_MEMLOCK 字节。`,
			`mlock(2),参数是 b 的地址和 len(b);内核会把范围扩大到整页。Go 里用 unix.Mlock(b)。
错误:ENOMEM(超过 RLIMIT_MEMLOCK,或范围中有未映射的部分),EPERM(RLIMIT_MEMLOCK 为 0
且没有 CAP_IPC_LOCK),EAGAIN。返回 os.NewSyscallError("mlock", err)。`,
			`1. 对整个 b 调用 mlock。
2. 把错误作为系统调用错误返回(成功时为 nil)。`,
		},
	},
	{
		Func: "Unlock", Notes: "001 §1.1.1.5 point 1", Man: "munlock(2)",
		Levels: [3]string{
			`munlock undoes mlock for the pages of the range, in one call however
many times they were locked (the notes: locked many times, unlocked
once). Unlocking part of a locked mapping splits it in two.`,
			`munlock(2) with the address of b and len(b). In Go: unix.Munlock(b).
Errors: ENOMEM (part of the range not mapped). Return
os.NewSyscallError("munlock", err).`,
			`1. Call munlock over all of b, once.
2. Return its error as a syscall error (nil when it worked).`,
		},
		Zh: [3]string{
			`munlock 解除范围内各页的锁定,不管之前锁定了多少次,一次调用就够(笔记:可以锁定
多次,一次解锁即可)。解锁已锁定映射的一部分会把映射分成两个。`,
			`munlock(2),参数是 b 的地址和 len(b)。Go 里用 unix.Munlock(b)。错误:ENOMEM
(范围中有未映射的部分)。返回 os.NewSyscallError("munlock", err)。`,
			`1. 对整个 b 调用一次 munlock。
2. 把错误作为系统调用错误返回(成功时为 nil)。`,
		},
	},
	{
		Func: "PageSize", Notes: "001 §1.1.1 point 1", Man: "getpagesize(2)",
		Levels: [3]string{
			`msync, mlock and munlock work on whole pages (页): one byte locks its
page. The experiments use the page size to place ranges on and across
page boundaries.`,
			`getpagesize() or sysconf(_SC_PAGESIZE): the value the kernel gave the
process at exec. In Go: unix.Getpagesize or os.Getpagesize.`,
			`Return the page size the system reports; never a number written in the
code (it is not 4096 on every machine).`,
		},
		Zh: [3]string{
			`msync、mlock 和 munlock 都以整页为单位:锁定一个字节就锁定它所在的整页。
实验用页大小把范围放在页边界上或跨过页边界。`,
			`getpagesize() 或 sysconf(_SC_PAGESIZE):内核在 exec 时交给进程的值。Go 里用
unix.Getpagesize 或 os.Getpagesize。`,
			`返回系统报告的页大小;不要在代码里写死数字(并不是每台机器都是 4096)。`,
		},
	},
	{
		Func: "MapAnon", Notes: "001 §1.1.1.1 MAP_ANONYMOUS, MAP_LOCKED", Man: "mmap(2)",
		Levels: [3]string{
			`Anonymous memory (匿名映射) to lock and sync: no file, zero-filled. The
caller's flags matter: MAP_SHARED or MAP_PRIVATE, and MAP_LOCKED, which
locks the pages at mmap time as mlock would, within RLIMIT_MEMLOCK.`,
			`mmap(2) with addr NULL, fd -1, offset 0 and flags|MAP_ANONYMOUS, keeping
every flag the caller passed. In Go: unix.MmapPtr. Errors: EAGAIN
(MAP_LOCKED, or any mapping after mlockall(MCL_FUTURE), over
RLIMIT_MEMLOCK), EPERM (MAP_LOCKED with a limit of 0), ENOMEM. Return
os.NewSyscallError("mmap", err).`,
			`1. mmap with no address and no file, the caller's flags plus
   MAP_ANONYMOUS.
2. On failure return the mmap error; else the address as a []byte of
   length bytes.`,
		},
		Zh: [3]string{
			`用来锁定和同步的匿名映射:没有文件,内容为 0。调用者的 flags 很重要:MAP_SHARED 或
MAP_PRIVATE,以及 MAP_LOCKED(在 mmap 时就像 mlock 一样锁定这些页,受 RLIMIT_MEMLOCK
限制)。`,
			`mmap(2):addr 为 NULL,fd 为 -1,偏移 0,flags|MAP_ANONYMOUS,保留调用者传入的每个
标志。Go 里用 unix.MmapPtr。错误:EAGAIN(MAP_LOCKED,或 mlockall(MCL_FUTURE) 之后的
任何映射,超过 RLIMIT_MEMLOCK),EPERM(限制为 0 时使用 MAP_LOCKED),ENOMEM。返回
os.NewSyscallError("mmap", err)。`,
			`1. 调用 mmap:不指定地址,没有文件,调用者的 flags 加上 MAP_ANONYMOUS。
2. 失败就返回 mmap 的错误;否则把地址作为长度为 length 的 []byte 返回。`,
		},
	},
	{
		Func: "LockAll", Notes: "001 §1.1.1.5 MCL_CURRENT, MCL_FUTURE", Man: "mlockall(2)",
		Levels: [3]string{
			`mlockall locks the whole address space. MCL_CURRENT locks every mapping
there now, not those made later; MCL_FUTURE makes every later mapping
locked from the start. The notes say MCL_FUTURE locks the current ones
too: on Linux MCL_FUTURE alone locks only the later ones. A Go program
maps far more than RLIMIT_MEMLOCK, so MCL_CURRENT fails without
CAP_IPC_LOCK: that failure is a fact the grading checks too.`,
			`mlockall(2) with the caller's flags, unchanged. In Go: unix.Mlockall.
Errors: ENOMEM (MCL_CURRENT and the process maps more than
RLIMIT_MEMLOCK), EPERM (RLIMIT_MEMLOCK is 0, no CAP_IPC_LOCK), EINVAL (no
or unknown flags). Return os.NewSyscallError("mlockall", err).`,
			`1. Call mlockall with exactly the flags given (MCL_CURRENT,
   MCL_FUTURE, or both).
2. Return its error as a syscall error.`,
		},
		Zh: [3]string{
			`mlockall 锁定整个地址空间。MCL_CURRENT 锁定现有的所有映射,不包括之后建立的;
MCL_FUTURE 让之后建立的每个映射一开始就被锁定。笔记说 MCL_FUTURE 也锁定现有的映射:
在 Linux 上只用 MCL_FUTURE 只锁定之后的映射。Go 程序映射的内存远超 RLIMIT_MEMLOCK,
所以没有 CAP_IPC_LOCK 时 MCL_CURRENT 会失败:评分也检查这个失败。`,
			`mlockall(2),原样传入调用者的 flags。Go 里用 unix.Mlockall。错误:ENOMEM
(MCL_CURRENT 且进程映射超过 RLIMIT_MEMLOCK),EPERM(RLIMIT_MEMLOCK 为 0 且没有
CAP_IPC_LOCK),EINVAL(没有标志或未知标志)。返回 os.NewSyscallError("mlockall", err)。`,
			`1. 用给定的 flags(MCL_CURRENT、MCL_FUTURE 或两者)调用 mlockall,不做改动。
2. 把错误作为系统调用错误返回。`,
		},
	},
	{
		Func: "UnlockAll", Notes: "001 §1.1.1.5", Man: "munlockall(2)",
		Levels: [3]string{
			`munlockall unlocks every mapping of the process and cancels MCL_FUTURE:
a mapping made afterwards is not locked. The grading checks both, as a
normal user too.`,
			`munlockall(2), no arguments. In Go: unix.Munlockall. Return
os.NewSyscallError("munlockall", err).`,
			`1. Call munlockall.
2. Return its error as a syscall error (nil when it worked).`,
		},
		Zh: [3]string{
			`munlockall 解除进程所有映射的锁定,并取消 MCL_FUTURE:之后建立的映射不再被锁定。
评分会检查这两点,普通用户运行时也一样。`,
			`munlockall(2),没有参数。Go 里用 unix.Munlockall。返回
os.NewSyscallError("munlockall", err)。`,
			`1. 调用 munlockall。
2. 把错误作为系统调用错误返回(成功时为 nil)。`,
		},
	},
	{
		Func: "SetLockLimit", Notes: "001 §1.1.1.5 (the limit is not in the notes)", Man: "setrlimit(2), getrlimit(2)",
		Levels: [3]string{
			`RLIMIT_MEMLOCK (资源限制) caps how many bytes a process without
CAP_IPC_LOCK may lock: mlock over it is ENOMEM, mmap(MAP_LOCKED) EAGAIN, a
limit of 0 makes them EPERM. A limit has a soft value (the one that
applies) and a hard one (the ceiling). Any process may lower its soft
limit up to the hard one; raising the hard one takes CAP_SYS_RESOURCE
(root has it, except in some containers). The experiments print the limit
read back with getrlimit, so it must really change.`,
			`getrlimit(2) and setrlimit(2) on RLIMIT_MEMLOCK with a struct of Cur
(soft) and Max (hard). In Go: unix.Getrlimit, unix.Setrlimit,
unix.Rlimit. Set Cur to n; raise Max only when it is below n (keep it
otherwise). Errors: EPERM (raising over the hard limit without
privilege), EINVAL (soft over hard). Return os.NewSyscallError("getrlimit",
err) or os.NewSyscallError("setrlimit", err).`,
			`1. Read the current RLIMIT_MEMLOCK; on failure return the getrlimit
   error.
2. Put n into the soft value; if the hard value is lower than n, raise it
   to n.
3. Write the limit back and return the setrlimit error.`,
		},
		Zh: [3]string{
			`RLIMIT_MEMLOCK(资源限制)规定没有 CAP_IPC_LOCK 的进程最多能锁定多少字节:超过时
mlock 返回 ENOMEM,mmap(MAP_LOCKED) 返回 EAGAIN,限制为 0 时它们返回 EPERM。限制有软
限制(实际生效的)和硬限制(上限)。任何进程都可以降低自己的软限制;只有 root 能提高
硬限制。实验打印的是用 getrlimit 读回的值,所以限制必须真的改变。`,
			`对 RLIMIT_MEMLOCK 使用 getrlimit(2) 和 setrlimit(2),结构体有 Cur(软)和 Max(硬)。
Go 里用 unix.Getrlimit、unix.Setrlimit、unix.Rlimit。把 Cur 设为 n;只有 Max 小于 n 时
才把它提高(否则保持不变)。错误:EPERM(无特权时超过硬限制),EINVAL(软限制大于硬
限制)。返回 os.NewSyscallError("getrlimit", err) 或 os.NewSyscallError("setrlimit", err)。`,
			`1. 读出当前的 RLIMIT_MEMLOCK;失败就返回 getrlimit 的错误。
2. 把 n 放进软限制;如果硬限制小于 n,把它提高到 n。
3. 写回限制并返回 setrlimit 的错误。`,
		},
	},
}
