//go:build linux && (amd64 || arm64)

// The exercise's hints, one per lesson function in the order the README
// asks for them: `anonfork hint FUNC -level 1|2|3 [-lang zh]`. Level 1 is
// the idea, level 2 the call with its flags and errors, level 3 the shape
// of the code (its steps, never the code).

package main

import "shmlab/internal/exercise"

var hints = []exercise.Hint{
	{Func: "MapWith", Notes: "001 §1.1.1.1", Man: "mmap(2)",
		Levels: [3]string{
			`The flags experiment asks the kernel what mmap makes of fd -1, of a
file's fd with MAP_ANONYMOUS, and of odd offsets. MapWith must pass every
argument through untouched, even the "wrong" ones: the kernel's answer
(EBADF, EINVAL, or a mapping of zeros) is the lesson, so add nothing, fix
nothing.`,
			`One mmap call: fd, offset, length and flags as given, protection
PROT_READ|PROT_WRITE, no address hint. In Go: unix.MmapPtr(fd, offset, nil,
length, prot, flags) returns an unsafe.Pointer; unsafe.Slice turns it into a
[]byte of length bytes. Never add MAP_ANONYMOUS yourself: fd -1 without it
must come back as EBADF. On failure return os.NewSyscallError("mmap", err).`,
			`1. Call mmap with the caller's fd, offset, length and flags and
read-write protection.
2. If it failed, return nil and the error wrapped with the call's name.
3. Otherwise return a byte slice of length bytes starting at the address
mmap gave.`,
		},
		Zh: [3]string{
			`flags 实验要问内核：mmap 对 fd 为 -1、对带 MAP_ANONYMOUS 的普通文件
描述符、对不是页大小整数倍的 offset 各怎么处理。MapWith 必须把参数原样交给
mmap，包括"错误"的参数：内核的回答（EBADF、EINVAL，或一块全零的映射）本身就
是这一课，所以什么都不要加，什么都不要改。`,
			`只调用一次 mmap：fd、offset、length、flags 都用调用者给的，保护位
PROT_READ|PROT_WRITE，不指定地址。Go 里是 unix.MmapPtr(fd, offset, nil,
length, prot, flags)，它返回 unsafe.Pointer，用 unsafe.Slice 变成长度为
length 的 []byte。不要自己加 MAP_ANONYMOUS：没有它时 fd -1 必须得到 EBADF。
失败时返回 os.NewSyscallError("mmap", err)。`,
			`1. 用调用者的 fd、offset、length、flags 和读写保护调用 mmap。
2. 失败就返回 nil 和带调用名的错误。
3. 成功就返回从 mmap 给的地址开始、长 length 字节的切片。`,
		},
	},
	{Func: "Unmap", Notes: "001 §1.1.1.2", Man: "munmap(2)",
		Levels: [3]string{
			`A mapping stays in the address space until munmap removes it (or the
process ends). The flags experiment unmaps a page and then asks mincore
about its range: an unmapped range is ENOMEM, so a Unmap that does nothing
is seen.`,
			`munmap(addr, length) with the slice's first byte as the address and
its length: unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), len(b)).
EINVAL if the address is not page-aligned. On failure
os.NewSyscallError("munmap", err).`,
			`1. Take the address of the slice's first byte and the slice's
length.
2. Call munmap with them.
3. Return nil, or the error wrapped with the call's name.`,
		},
		Zh: [3]string{
			`映射区一直留在进程的地址空间里，直到 munmap 把它去掉（或进程结束）。
flags 实验解除一页的映射后用 mincore 查那段地址：没有映射的地址范围返回
ENOMEM，所以什么都不做的 Unmap 会被发现。`,
			`munmap 的地址是切片第一个字节的地址，长度是切片长度：
unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), len(b))。地址没有按页
对齐时是 EINVAL。失败时返回 os.NewSyscallError("munmap", err)。`,
			`1. 取切片第一个字节的地址和切片长度。
2. 用它们调用 munmap。
3. 返回 nil，或带调用名的错误。`,
		},
	},
	{Func: "MapAnon", Notes: "001 §1.1.1.1", Man: "mmap(2)",
		Levels: [3]string{
			`An anonymous mapping (匿名映射) is memory with no file behind it. What
makes it anonymous is the MAP_ANONYMOUS flag, not fd -1. The caller chooses
MAP_SHARED (a forked child shares the same pages) or MAP_PRIVATE (the pages
are copied on the first write of either side, 写时复制): keep that choice.`,
			`mmap with fd -1, offset 0, PROT_READ|PROT_WRITE and the caller's
flags with MAP_ANONYMOUS added (flags|MAP_ANONYMOUS): unix.MmapPtr(-1, 0,
nil, length, ...), then unsafe.Slice. Errors: EINVAL (length 0), ENOMEM.
Return os.NewSyscallError("mmap", err).`,
			`1. Call mmap with no file: fd -1, offset 0, read-write, the
caller's flags plus MAP_ANONYMOUS.
2. On failure return the error wrapped with "mmap".
3. Return the mapped bytes as a slice of length bytes.`,
		},
		Zh: [3]string{
			`匿名映射就是背后没有文件的内存。让映射成为匿名映射的是 MAP_ANONYMOUS
标志，不是 fd -1。调用者选 MAP_SHARED（fork 出的子进程共享同一批页）或
MAP_PRIVATE（任一方第一次写时复制出自己的页，即写时复制）：保留调用者的选择。`,
			`mmap 的 fd 为 -1，offset 为 0，保护位 PROT_READ|PROT_WRITE，flags 是
调用者的 flags 再加上 MAP_ANONYMOUS（flags|MAP_ANONYMOUS）：unix.MmapPtr(-1,
0, nil, length, ...)，再用 unsafe.Slice。错误：EINVAL（长度为 0）、ENOMEM。
返回 os.NewSyscallError("mmap", err)。`,
			`1. 不用文件调用 mmap：fd -1，offset 0，读写，调用者的 flags 加上
MAP_ANONYMOUS。
2. 失败就返回带 "mmap" 的错误。
3. 返回长 length 字节的切片。`,
		},
	},
	{Func: "ForkTouch", Notes: "000 part 4", Man: "clone(2), fork(2)",
		Levels: [3]string{
			`After fork the child has a copy of the parent's address space: a
MAP_SHARED page is the same memory in both, a MAP_PRIVATE page is shared
only until either side writes (读时共享、写时复制). A forked Go child cannot
run ordinary Go (forksafe.go says why): it may only load, store and make raw
system calls, in functions marked //go:nosplit //go:norace //go:nocheckptr,
and must end with exitGroup. The child's steps are in the stub's doc
comment.`,
			`Everything that needs the runtime happens before the fork, in the
parent: the two pages' addresses as unsafe.Pointer, the message's address
(unsafe.StringData(msgChild)), the parent's pid (unix.Getpid). Then
withSignalsBlocked(func) calls your own directive-marked function, which
calls rawFork: pid != 0 (or an errno) is the parent, which returns; 0 is
the child. The child: childSetup(ppid), rawCopy for each copy, rawWait on
the gate (scratch byte at shared+offGateByte), exitGroup(0). The offsets
are offChildSawBefore, offChildSawAfter, offParentAfter, msgLen. A failed
fork: os.NewSyscallError("clone", errno).`,
			`1. Check the sizes (512 and 128 bytes); take the pointers, the
message and the parent's pid in ordinary Go.
2. Through withSignalsBlocked, call a //go:nosplit //go:norace
//go:nocheckptr function that calls rawFork and returns at once in the
parent.
3. In the child: childSetup; copy the private page's first msgLen bytes to
the shared page at offChildSawBefore; write the message at the start of
both pages; wait on the gate; copy the private page at offParentAfter to
the shared page at offChildSawAfter; exitGroup(0).
4. Return the pid, or the clone error.`,
		},
		Zh: [3]string{
			`fork 之后子进程有父进程地址空间的一份拷贝：MAP_SHARED 的页在两个进程
里是同一块内存，MAP_PRIVATE 的页只在谁都没写时共享（读时共享、写时复制）。
fork 出来的 Go 子进程不能运行普通的 Go 代码（forksafe.go 说明了原因）：它只能
读写内存、做原始系统调用，而且只能在标有 //go:nosplit //go:norace
//go:nocheckptr 的函数里，最后必须调用 exitGroup。子进程要做的几步写在
ForkTouch 桩函数的文档注释中。`,
			`需要运行时的事都在 fork 之前、在父进程里做完：两页的地址
（unsafe.Pointer）、消息的地址（unsafe.StringData(msgChild)）、父进程的 pid
（unix.Getpid）。然后 withSignalsBlocked(func) 调用你自己带三个指令的函数，它
调用 rawFork：pid 不为 0（或有 errno）是父进程，立即返回；0 是子进程。子进程：
childSetup(ppid)，每次拷贝用 rawCopy，在门上 rawWait（暂存字节在
shared+offGateByte），最后 exitGroup(0)。偏移量是 offChildSawBefore、
offChildSawAfter、offParentAfter、msgLen。fork 失败返回
os.NewSyscallError("clone", errno)。`,
			`1. 检查大小（512 和 128 字节）；用普通 Go 取指针、消息和父进程 pid。
2. 通过 withSignalsBlocked 调用一个 //go:nosplit //go:norace
//go:nocheckptr 的函数，它调用 rawFork，在父进程里立即返回。
3. 子进程里：childSetup；把私有页开头 msgLen 字节拷到共享页的
offChildSawBefore；在两页开头写消息；在门上等待；把私有页 offParentAfter
处拷到共享页的 offChildSawAfter；exitGroup(0)。
4. 返回 pid，或 clone 的错误。`,
		},
	},
	{Func: "WaitChild", Notes: "000 part 4", Man: "wait4(2), signal(7)",
		Levels: [3]string{
			`A child that has ended stays a zombie until its parent waits for it;
the wait returns its status (exit code, or the signal that killed it). A
signal arriving while the parent waits can end the wait early with EINTR,
although the child has not ended: that is not a failure, wait again. The
fork_wait_eintr scenario makes the first wait return EINTR (strace injects
it).`,
			`wait4(pid, &status, 0, nil): unix.Wait4(pid, &ws, 0, nil) with a
unix.WaitStatus. err == unix.EINTR: call it again. ECHILD: not our child,
or already reaped. Other errors: os.NewSyscallError("wait4", err).`,
			`1. Loop: wait for exactly this pid, no options.
2. If the wait was interrupted (EINTR), go round again.
3. Any other error: return it wrapped with "wait4".
4. Return the status.`,
		},
		Zh: [3]string{
			`结束了的子进程在父进程等待它之前一直是僵尸进程；等待返回它的状态
（退出码，或杀死它的信号）。父进程等待期间到达的信号可能让等待提前以 EINTR
返回，而子进程并没有结束：这不是失败，再等一次。fork_wait_eintr 场景让第一次
等待返回 EINTR（由 strace 注入）。`,
			`wait4(pid, &status, 0, nil)，即 unix.Wait4(pid, &ws, 0, nil)，
ws 是 unix.WaitStatus。err == unix.EINTR 时再调用一次。ECHILD：不是我们的
子进程，或已经回收过。其他错误：os.NewSyscallError("wait4", err)。`,
			`1. 循环：只等这个 pid，不带选项。
2. 等待被信号中断（EINTR）就再来一次。
3. 其他错误：返回带 "wait4" 的错误。
4. 返回状态。`,
		},
	},
	{Func: "MapDevZero", Notes: "000 part 4", Man: "zero(4), mmap(2), open(2)",
		Levels: [3]string{
			`Before MAP_ANONYMOUS, shared anonymous memory (共享内存 without a name)
came from mapping /dev/zero MAP_SHARED: every such mapping gets a fresh
object of zeros, which a forked child shares. The mapping keeps the object
alive by itself, so the descriptor is not needed once mmap has returned: a
descriptor left open is a leak the devzero experiment counts in
/proc/self/fd.`,
			`open("/dev/zero", O_RDWR|O_CLOEXEC) (unix.Open), then mmap of fd with
offset 0, PROT_READ|PROT_WRITE, MAP_SHARED, then close the descriptor
whatever mmap said (a defer right after a successful open does it). Errors:
os.NewSyscallError("open", err) (ENOENT where a container has no
/dev/zero, EACCES) or ("mmap", err).`,
			`1. Open /dev/zero read-write, close-on-exec; on failure return the
error wrapped with "open".
2. Make sure the descriptor is closed on every way out.
3. Map length bytes of it, read-write, MAP_SHARED; on failure return the
error wrapped with "mmap".
4. Return the mapped bytes.`,
		},
		Zh: [3]string{
			`在有 MAP_ANONYMOUS 之前，没有名字的共享内存来自以 MAP_SHARED 映射
/dev/zero：每个这样的映射得到一个新的全零对象，fork 出的子进程共享它。映射
本身就让对象一直存在，所以 mmap 返回后文件描述符就不再需要：留着不关就是
泄漏，devzero 实验会在 /proc/self/fd 里数出来。`,
			`open("/dev/zero", O_RDWR|O_CLOEXEC) （unix.Open），然后对这个描述符做
mmap（offset 0，PROT_READ|PROT_WRITE，MAP_SHARED），然后不管 mmap 结果如何都关闭
描述符（open 成功后马上 defer 就行）。错误：os.NewSyscallError("open", err)
（容器里没有 /dev/zero 时是 ENOENT，或 EACCES）或 ("mmap", err)。`,
			`1. 以读写、close-on-exec 打开 /dev/zero；失败返回带 "open" 的错误。
2. 保证每条返回路径都关闭描述符。
3. 以读写、MAP_SHARED 映射 length 字节；失败返回带 "mmap" 的错误。
4. 返回映射的字节。`,
		},
	},
	{Func: "ForkCount", Notes: "000 part 4, 001 §1.1", Man: "clone(2), futex(2)",
		Levels: [3]string{
			`Shared memory synchronises nothing (需要同步机制): "add 1" is a load, an
add and a store, and two processes that load the same value both store
value+1, so one update is lost. A locked read-modify-write (atomicAdd64) is
one instruction nothing can come between. The counter experiment can force
the losing interleaving (-lockstep): for that, every step of your loop must
pass through rawLockstep, and for a plain add it must sit between the load
and the store. The scenario checks the totals and how many steps were
taken in lockstep, so each of the iters steps is a separate add.`,
			`The fork is made as in ForkTouch (withSignalsBlocked, a
//go:nosplit //go:norace //go:nocheckptr function, rawFork). Pass atomic
into the child as a number (a uintptr 0 or 1). The child: childSetup(ppid),
rawClose(gateW), rawWait(gate, counter+offCountGate), then iters times:
atomic: rawLockstep(counter+offLockstep, i) then atomicAdd64(counter, 1);
plain: load the uint64 at counter, rawLockstep(counter+offLockstep, i),
store the loaded value + 1. Then exitGroup(0). A failed fork:
os.NewSyscallError("clone", errno).`,
			`1. Check the size (256 bytes); take the pointer and the parent's pid;
turn atomic into 0 or 1.
2. Fork through withSignalsBlocked; the parent returns the pid.
3. Child: childSetup; close its copy of the gate's write end; wait on the
gate.
4. Loop iters times, step i: atomic: lockstep step i, then one locked add
of 1. Plain: load the counter, lockstep step i, store what was loaded
plus 1.
5. exitGroup(0).`,
		},
		Zh: [3]string{
			`共享内存本身不做任何同步（需要同步机制）："加 1" 是读、加、写三步，两个
进程读到同一个值后都写回 value+1，就丢了一次更新。加锁的读-改-写
（atomicAdd64）是一条指令，中间插不进任何东西。counter 实验可以强制造出丢失
更新的交错（-lockstep）：为此循环的每一步都要经过 rawLockstep，普通加法时它要
放在读和写之间。场景检查总数和按步调一致走了多少步，所以 iters 步中每一步
都是一次单独的加法。`,
			`fork 的做法和 ForkTouch 一样（withSignalsBlocked、带 //go:nosplit
//go:norace //go:nocheckptr 的函数、rawFork）。把 atomic 作为数字（uintptr 0
或 1）传进子进程。子进程：childSetup(ppid)，rawClose(gateW)，
rawWait(gate, counter+offCountGate)，然后做 iters 次：原子方式：
rawLockstep(counter+offLockstep, i) 然后 atomicAdd64(counter, 1)；普通方式：
读出 counter 处的 uint64，rawLockstep(counter+offLockstep, i)，写回读到的值
加 1。最后 exitGroup(0)。fork 失败返回 os.NewSyscallError("clone", errno)。`,
			`1. 检查大小（256 字节）；取指针和父进程 pid；把 atomic 变成 0 或 1。
2. 通过 withSignalsBlocked fork；父进程返回 pid。
3. 子进程：childSetup；关闭自己那份门的写端；在门上等待。
4. 循环 iters 次，第 i 步：原子方式：第 i 步 lockstep，然后一次加锁的加 1。
普通方式：读计数器，第 i 步 lockstep，写回读到的值加 1。
5. exitGroup(0)。`,
		},
	},
	{Func: "MemfdCreate", Notes: "000 part 4", Man: "memfd_create(2), ftruncate(2)",
		Levels: [3]string{
			`A memfd is anonymous memory reached through a file descriptor (文件描述符):
no filesystem holds it (its name is only a label in /proc; its one path
is /proc/PID/fd/N), but unlike a MAP_ANONYMOUS mapping a descriptor can be
inherited across exec or sent to another process. It should be
close-on-exec from its first moment, so that a program this one execs gets
it only when handed it on purpose: the reexec scenario counts the memfds
the new program holds.`,
			`memfd_create(name, MFD_CLOEXEC) (unix.MemfdCreate) makes it with size
0; ftruncate(fd, size) (unix.Ftruncate) gives it its size. Errors:
os.NewSyscallError("memfd_create", err) (EMFILE, EINVAL for a name too
long) or ("ftruncate", err), and then the descriptor must be closed
first.`,
			`1. Create the memfd with the label and the close-on-exec flag; on
failure return -1 and the error wrapped with "memfd_create".
2. Set its size; on failure close it and return -1 and the error wrapped
with "ftruncate".
3. Return the descriptor.`,
		},
		Zh: [3]string{
			`memfd 是通过文件描述符访问的匿名内存：没有任何文件系统存放它（它的
名字只是 /proc 里的一个标签；它唯一的路径是 /proc/PID/fd/N），但和
MAP_ANONYMOUS 映射不同，描述符可以跨 exec 继承，也可以发给另一个进程。它应当从创建的那一刻起就是 close-on-exec，这样
本程序 exec 的程序只有在被有意交给时才拿到它：reexec 场景会数新程序里有几个
memfd。`,
			`memfd_create(name, MFD_CLOEXEC)（unix.MemfdCreate）创建时大小为 0；
ftruncate(fd, size)（unix.Ftruncate）设定大小。错误：
os.NewSyscallError("memfd_create", err)（EMFILE，名字太长时 EINVAL）或
("ftruncate", err)，此时要先关闭描述符。`,
			`1. 用标签和 close-on-exec 标志创建 memfd；失败返回 -1 和带
"memfd_create" 的错误。
2. 设定大小；失败就关闭它，返回 -1 和带 "ftruncate" 的错误。
3. 返回描述符。`,
		},
	},
	{Func: "MapFd", Notes: "001 §1.1.1.1", Man: "mmap(2)",
		Levels: [3]string{
			`Memory behind a descriptor (a memfd here) is mapped like a file:
MAP_SHARED, so every process that maps the same open file sees the same
pages. That is how the parent and the re-executed child, or serve and
connect, share memory.`,
			`mmap(fd, offset 0, length, PROT_READ|PROT_WRITE, MAP_SHARED):
unix.MmapPtr(fd, 0, nil, length, ...), then unsafe.Slice. Errors: EACCES
(fd not open read-write), ENODEV (a socket or a pipe cannot be mapped),
EBADF. Return os.NewSyscallError("mmap", err).`,
			`1. Map length bytes of fd from offset 0, read-write, MAP_SHARED.
2. On failure return the error wrapped with "mmap".
3. Return the mapped bytes.`,
		},
		Zh: [3]string{
			`描述符背后的内存（这里是 memfd）像文件一样映射：用 MAP_SHARED，映射
同一个打开文件的所有进程看到的是同一批页。父进程和重新 exec 的子进程，或
serve 和 connect，就是这样共享内存的。`,
			`mmap(fd, offset 0, length, PROT_READ|PROT_WRITE, MAP_SHARED)，即
unix.MmapPtr(fd, 0, nil, length, ...)，再用 unsafe.Slice。错误：EACCES
（fd 不是读写打开的）、ENODEV（socket 或管道不能映射）、EBADF。返回
os.NewSyscallError("mmap", err)。`,
			`1. 以读写、MAP_SHARED 从 offset 0 映射 fd 的 length 字节。
2. 失败返回带 "mmap" 的错误。
3. 返回映射的字节。`,
		},
	},
	{Func: "StartWithFd", Notes: "000 part 4", Man: "execve(2); go doc os/exec.Cmd",
		Levels: [3]string{
			`Go cannot fork and go on running Go in the child; its way is a new
process that execs at once (os/exec clones with CLONE_VM|CLONE_VFORK: the
child borrows this memory until its exec). exec replaces the whole
address space, so no mapping survives it, but a descriptor does: hand the
memfd to the new program as its descriptor 3 and let it map it again. The new
program is this one (/proc/self/exe); its environment tells it its role.`,
			`An exec.Cmd: Path "/proc/self/exe", Args {os.Args[0]}, Env
os.Environ() plus env, Stdout and Stderr as given, ExtraFiles {f} (the
first extra file becomes descriptor 3 in the child), SysProcAttr with
Pdeathsig SIGKILL (the child dies with this thread). cmd.Start(); return
its error as it is (an *os.PathError), or the command.`,
			`1. Describe the command: this program's path in /proc, its own
name as the only argument, the environment plus env, the two outputs, f
as the one extra file, death signal SIGKILL.
2. Start it (do not wait).
3. Return the command, or Start's error.`,
		},
		Zh: [3]string{
			`Go 不能 fork 之后在子进程里继续运行 Go；它的做法是创建一个立刻 exec 的新进程
（os/exec 用 CLONE_VM|CLONE_VFORK 调用 clone：子进程在 exec 之前借用父进程的
内存）。exec 替换整个地址空间，所以任何映射都留不下来，但文件描述符可以：
把 memfd 作为新程序的描述符 3 交给它，让它重新映射这块内存。新程序就是本程序
（/proc/self/exe）；环境变量告诉它要扮演的角色。`,
			`一个 exec.Cmd：Path 为 "/proc/self/exe"，Args 为 {os.Args[0]}，
Env 为 os.Environ() 加上 env，Stdout 和 Stderr 用给定的，ExtraFiles 为 {f}
（第一个额外文件在子进程里成为描述符 3），SysProcAttr 里 Pdeathsig 为 SIGKILL
（本线程死时子进程也死）。cmd.Start()；原样返回它的错误（*os.PathError），
或返回命令。`,
			`1. 描述命令：/proc 里本程序的路径，只有自己名字一个参数，环境加上
env，两个输出，f 作为唯一的额外文件，死亡信号 SIGKILL。
2. 启动它（不等待）。
3. 返回命令，或 Start 的错误。`,
		},
	},
	{Func: "Dial", Notes: "course ep. 22", Man: "unix(7), socket(2), connect(2)",
		Levels: [3]string{
			`Unrelated processes (非血缘关系的进程) cannot reach each other's anonymous
memory, but they can meet at a name in the filesystem: a UNIX socket
file. connect reaches the process listening there. The errno says what
went wrong: no such file, nobody listening (or not a socket), or no
permission.`,
			`socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) (unix.Socket), then
connect with &unix.SockaddrUnix{Name: path} (unix.Connect). Errors:
ENOENT (no such file), ECONNREFUSED (a plain file, or a socket file nobody
listens on), EACCES (no write permission on the socket file). Return
os.NewSyscallError("socket" or "connect", err); close the socket when
connect fails.`,
			`1. Make a UNIX stream socket, close-on-exec; on failure return -1
and the error wrapped with "socket".
2. Connect it to path; on failure close it and return -1 and the error
wrapped with "connect".
3. Return the connected socket.`,
		},
		Zh: [3]string{
			`非血缘关系的进程拿不到对方的匿名映射，但可以在文件系统里的一个名字上
会合：UNIX socket 文件。connect 连到在那里监听的进程。errno 说明出了什么错：
文件不存在、没人监听（或不是 socket）、没有权限。`,
			`socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)（unix.Socket），然后用
&unix.SockaddrUnix{Name: path} 调用 connect（unix.Connect）。错误：ENOENT
（文件不存在）、ECONNREFUSED（普通文件，或没人监听的 socket 文件）、EACCES
（对 socket 文件没有写权限）。返回 os.NewSyscallError("socket" 或 "connect",
err)；connect 失败时关闭 socket。`,
			`1. 创建 close-on-exec 的 UNIX 流 socket；失败返回 -1 和带 "socket"
的错误。
2. 连接到 path；失败就关闭它，返回 -1 和带 "connect" 的错误。
3. 返回已连接的 socket。`,
		},
	},
	{Func: "Listen", Notes: "course ep. 22", Man: "unix(7), bind(2), listen(2), umask(2)",
		Levels: [3]string{
			`bind creates the socket file; who may connect is decided by write
permission on it, so its mode is the access control, and it must be
exactly the mode asked for: bind applies the umask as open does, and the
unrelated_perm scenario runs serve under umask 077 and asks for 0666. A
path that exists (even a plain file) is refused and left as it was; a path
longer than 107 bytes does not fit in the address.`,
			`socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0); fchmod(fd, mode)
before bind (the file takes the socket's mode); clear the umask around
bind (unix.Umask(0), then put the old one back); bind with
&unix.SockaddrUnix{Name: path}; listen(fd, 1). Errors: bind EADDRINUSE
(path exists), bind EINVAL (path too long), ENOENT, EACCES. Return
os.NewSyscallError naming the call that failed, and close the socket.`,
			`1. Make the socket (close-on-exec).
2. Set its mode.
3. Set the umask to 0, bind to path, restore the umask.
4. Listen with a backlog of 1.
5. On any failure close the socket and return -1 and the error wrapped
with that call's name; else return the socket.`,
		},
		Zh: [3]string{
			`bind 会创建 socket 文件；谁能连接由对它的写权限决定，所以它的模式位
就是访问控制，必须正好是要求的模式：bind 像 open 一样受 umask 影响，
unrelated_perm 场景在 umask 077 下运行 serve 并要求 0666。已存在的路径（即使
是普通文件）会被拒绝并保持原样；超过 107 字节的路径放不进地址结构。`,
			`socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)；在 bind 之前
fchmod(fd, mode)（文件采用 socket 的模式）；在 bind 前后清掉 umask
（unix.Umask(0)，之后恢复原值）；用 &unix.SockaddrUnix{Name: path} 调用 bind；
listen(fd, 1)。错误：bind EADDRINUSE（路径已存在）、bind EINVAL（路径太长）、
ENOENT、EACCES。返回指明失败调用的 os.NewSyscallError，并关闭 socket。`,
			`1. 创建 socket（close-on-exec）。
2. 设定它的模式。
3. umask 设为 0，bind 到 path，恢复 umask。
4. 以 backlog 1 监听。
5. 任何一步失败就关闭 socket，返回 -1 和带该调用名的错误；否则返回 socket。`,
		},
	},
	{Func: "Accept", Notes: "course ep. 22", Man: "poll(2), accept4(2), signal(7)",
		Levels: [3]string{
			`serve waits for a connection, but not for ever unless asked: a
timeout below 0 waits for ever, 0 does not wait at all, more gives up
after that long. The two ways to give up are told apart by the errno:
EAGAIN (nothing there and no waiting asked), ETIMEDOUT (waited, nobody
came). A signal can end the wait early with EINTR: then wait again, for
the time that is left; the unrelated_accept_eintr scenario injects one.`,
			`poll(2) on lfd for POLLIN (unix.Poll with a []unix.PollFd) with the
time left in milliseconds (-1 for ever), again on EINTR. 0 ready: return
os.NewSyscallError("poll", unix.EAGAIN) when the timeout is 0, ("poll",
unix.ETIMEDOUT) otherwise. Then accept4(lfd, SOCK_CLOEXEC) (unix.Accept4);
on failure os.NewSyscallError("accept4", err).`,
			`1. Work out the deadline from the timeout.
2. Loop: poll the listening socket for input with the milliseconds left
(or for ever); interrupted: go round again; another error: return it
wrapped with "poll".
3. Nothing ready: EAGAIN for a timeout of 0, ETIMEDOUT otherwise.
4. Accept the connection, close-on-exec, and return it (or the error
wrapped with "accept4").`,
		},
		Zh: [3]string{
			`serve 等待连接，但除非要求，不会永远等：超时小于 0 永远等，等于 0 完全
不等，大于 0 等这么久后放弃。两种放弃用 errno 区分：EAGAIN（没人连接，也没
要求等）、ETIMEDOUT（等了，没人来）。信号可能让等待以 EINTR 提前结束：这时用剩下
的时间再等；unrelated_accept_eintr 场景会注入一次。`,
			`对 lfd 做 poll(2) 等 POLLIN（unix.Poll，参数是 []unix.PollFd），超时用
剩余的毫秒数（永远等则 -1），EINTR 时重来。没有就绪：超时为 0 时返回
os.NewSyscallError("poll", unix.EAGAIN)，否则 ("poll", unix.ETIMEDOUT)。然后
accept4(lfd, SOCK_CLOEXEC)（unix.Accept4）；失败返回
os.NewSyscallError("accept4", err)。`,
			`1. 由超时算出截止时间。
2. 循环：用剩余毫秒数（或永远）poll 监听 socket 的输入；被中断就再来；其他
错误返回带 "poll" 的错误。
3. 没有就绪：超时为 0 是 EAGAIN，否则 ETIMEDOUT。
4. 接受连接（close-on-exec）并返回它（或带 "accept4" 的错误）。`,
		},
	},
	{Func: "SendFd", Notes: "course ep. 22", Man: "unix(7) SCM_RIGHTS, sendmsg(2), cmsg(3)",
		Levels: [3]string{
			`A descriptor is passed to another process in a control message of
type SCM_RIGHTS over a UNIX socket (course ep. 22): the kernel installs a
new descriptor for the same open file in the receiver. A stream socket
carries control messages only along with ordinary data, so send one byte
with it.`,
			`sendmsg(sock, one byte of data, control = unix.UnixRights(fd), no
address, MSG_NOSIGNAL) (unix.Sendmsg): MSG_NOSIGNAL makes a vanished peer
an EPIPE error instead of a SIGPIPE that kills the program. On failure
os.NewSyscallError("sendmsg", err).`,
			`1. Build the SCM_RIGHTS control message holding fd.
2. Send one byte of data with it, without SIGPIPE.
3. Return nil, or the error wrapped with "sendmsg".`,
		},
		Zh: [3]string{
			`文件描述符通过 UNIX socket 上类型为 SCM_RIGHTS 的控制消息传给另一个
进程（课程第 22 集）：内核在接收方为同一个打开文件装入一个新的描述符。流式
socket 只在携带普通数据时才带控制消息，所以要同时发送一个字节。`,
			`sendmsg：一字节数据，控制消息为 unix.UnixRights(fd)，无地址，标志
MSG_NOSIGNAL（unix.Sendmsg）。MSG_NOSIGNAL 让对端消失时得到 EPIPE 错误，而不
是杀死程序的 SIGPIPE。失败返回 os.NewSyscallError("sendmsg", err)。`,
			`1. 构造装有 fd 的 SCM_RIGHTS 控制消息。
2. 带着它发送一字节数据，不产生 SIGPIPE。
3. 返回 nil，或带 "sendmsg" 的错误。`,
		},
	},
	{Func: "RecvFd", Notes: "course ep. 22", Man: "unix(7) SCM_RIGHTS, recvmsg(2), cmsg(3)",
		Levels: [3]string{
			`The receiver reads the byte and the control message, and finds the
new descriptor in it. Received descriptors should be close-on-exec from
the moment they arrive, before any other thread could exec: the receiving
call has a flag for it, and the unrelated_memfd scenario checks the flag
on what connect received. A peer that closes without sending, or data
without a descriptor, is an error, not a descriptor.`,
			`recvmsg(sock, a 1-byte buffer, an oob buffer of
unix.CmsgSpace(4) bytes, MSG_CMSG_CLOEXEC) (unix.Recvmsg); on failure
os.NewSyscallError("recvmsg", err) (EAGAIN after a receive timeout). 0
bytes read: the peer closed, a plain error. Then
unix.ParseSocketControlMessage(oob[:oobn]) and unix.ParseUnixRights on the
first message; close any extra descriptors; MSG_CTRUNC in the returned
flags means the message was cut: close what came and fail.`,
			`1. Receive one byte and the control data, close-on-exec.
2. No bytes: the peer closed without sending; return an error.
3. Parse the control messages, then the descriptors in the first; none:
return an error.
4. Keep the first descriptor, close the others; if the control data was
truncated, close it too and fail.
5. Return the descriptor.`,
		},
		Zh: [3]string{
			`接收方读出那个字节和控制消息，在其中找到新的描述符。收到的描述符应当
从到达的那一刻起就是 close-on-exec，早于任何别的线程可能做的 exec：接收调用
有一个标志做这件事，unrelated_memfd 场景会检查 connect 收到的描述符上的这个
标志。对端什么都没发就关闭，或数据里没有描述符，都是错误，不是描述符。`,
			`recvmsg：1 字节缓冲区，unix.CmsgSpace(4) 字节的 oob 缓冲区，标志
MSG_CMSG_CLOEXEC（unix.Recvmsg）；失败返回 os.NewSyscallError("recvmsg",
err)（接收超时后是 EAGAIN）。读到 0 字节：对端已关闭，返回普通错误。然后对
oob[:oobn] 调用 unix.ParseSocketControlMessage，对第一条消息调用
unix.ParseUnixRights；关闭多余的描述符；返回的 flags 里有 MSG_CTRUNC 表示消息
被截断：关闭收到的描述符并返回错误。`,
			`1. 以 close-on-exec 方式接收一个字节和控制数据。
2. 0 字节：对端没发就关闭了；返回错误。
3. 解析控制消息，再解析第一条里的描述符；没有就返回错误。
4. 保留第一个描述符，关闭其余的；控制数据被截断时也关闭它并返回错误。
5. 返回描述符。`,
		},
	},
}
