//go:build linux && (amd64 || arm64)

// The hints of the exercise, one per lesson function, in the order the
// README asks for them: `go run -tags exercise ./04-posix hint FUNC -level N`.
// Level 1 is the idea, 2 the call with its flags and errors, 3 the steps.

package main

import "shmlab/internal/exercise"

func init() { program.Hints = append(shmHintsEx, semHintsEx...) }

// shmHintsEx are the hints for POSIX shared memory (notes 001 §1.1.3).
var shmHintsEx = []exercise.Hint{
	{
		Func: "ShmPath", Notes: "001 §1.1.3.1 (name), UNP2 §2.2", Man: "shm_open(3), shm_overview(7)",
		Levels: [3]string{
			`A POSIX shared memory object (Posix共享内存) is a file in /dev/shm, a
tmpfs: shm_open is glibc turning the name into that path and calling
open(2). POSIX leaves the name rules to the system; these are glibc's:
every leading "/" is dropped ("/a", "a" and "//a" are one object), what is
left must not be empty and must hold no other "/". glibc builds the path
in a buffer of fixed size, and refuses a name that does not fit.`,
			`No system call: string work. Drop the leading slashes
(strings.TrimLeft). Refuse with the bare errno unix.EINVAL: an empty rest,
a "/" or a NUL byte in it, or a path that does not fit glibc's buffer of
269 bytes ("/dev/shm/" with its NUL is 10, then 4 for the "sem." of
semaphores, then NAME_MAX = 255), counting the NUL that ends the path. Do
not check NAME_MAX yourself: a name of 256 to 259 bytes fits the buffer
and goes to open(2), which says ENAMETOOLONG. The grading tries 255, 256,
259 and 260 bytes: ok, ENAMETOOLONG, ENAMETOOLONG, EINVAL.`,
			`1. Trim every "/" at the start of the name.
2. If the rest is empty, or holds "/" or "\x00", return unix.EINVAL.
3. If len("/dev/shm/") + len(rest) + 1 is more than 269, return
   unix.EINVAL (the limit is exact: test 259 and 260 bytes).
4. Return ShmDir + rest.`,
		},
		Zh: [3]string{
			`Posix共享内存对象就是 /dev/shm(一个 tmpfs)里的一个文件:shm_open 是 glibc 把名字
变成这个路径再调用 open(2)。POSIX 把名字规则留给系统决定,glibc 的规则是:开头的
"/" 全部去掉("/a"、"a" 和 "//a" 是同一个对象),剩下的部分不能为空,也不能再含
"/"。glibc 在一个固定大小的缓冲区里拼路径,放不下的名字直接拒绝。`,
			`没有系统调用,只是字符串处理。去掉开头的斜杠(strings.TrimLeft)。以下情况返回
裸的 errno unix.EINVAL:剩下的为空,含有 "/" 或 NUL 字节,或者路径放不进 glibc
的 269 字节缓冲区("/dev/shm/" 加结尾的 NUL 占 10,信号量的 "sem." 占 4,再加
NAME_MAX = 255),计算时要算上路径结尾的 NUL。不要自己检查 NAME_MAX:256 到 259
字节的名字放得进缓冲区,会交给 open(2),由它返回 ENAMETOOLONG。评分会试 255、
256、259、260 字节:分别是 ok、ENAMETOOLONG、ENAMETOOLONG、EINVAL。`,
			`1. 去掉名字开头所有的 "/"。
2. 剩下的为空,或含有 "/" 或 "\x00",返回 unix.EINVAL。
3. 如果 len("/dev/shm/") + len(剩下的) + 1 大于 269,返回 unix.EINVAL
   (边界要准确:试试 259 和 260 字节)。
4. 返回 ShmDir + 剩下的部分。`,
		},
	},
	{
		Func: "ShmOpen", Notes: "001 §1.1.3.1", Man: "shm_open(3), open(2)",
		Levels: [3]string{
			`shm_open is open(2) of the object's file, with the caller's flags
(O_RDONLY or O_RDWR, plus O_CREAT, O_EXCL, O_TRUNC) and mode. glibc adds
two flags of its own: O_NOFOLLOW, so that a symlink someone planted in the
world-writable /dev/shm is never followed, and O_CLOEXEC, so that a
program this process starts does not inherit the descriptor. The mode is
filtered by the umask: the kernel does that, not you.`,
			`ShmPath first; its EINVAL is returned as os.NewSyscallError("shm_open",
err). Then unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode);
its error as os.NewSyscallError("open", err): ENOENT (no such object, no
O_CREAT), EEXIST (O_CREAT|O_EXCL on an existing name), EACCES (the mode
bits refuse this access), ELOOP (a symlink has the name), ENAMETOOLONG.
glibc turns EISDIR (a directory has the name) into EINVAL. The grading
reads the descriptor's flags back from /proc/self/fdinfo (close-on-exec
must be set) and plants a symlink and a directory in /dev/shm.`,
			`1. Get the path from ShmPath; on error return it wrapped as
   "shm_open".
2. Open the path with the flags given plus O_NOFOLLOW and O_CLOEXEC, and
   the mode given.
3. If open said EISDIR, make it EINVAL.
4. On error return -1 and the error wrapped as "open"; else the
   descriptor (the caller closes it).`,
		},
		Zh: [3]string{
			`shm_open 就是对对象文件调用 open(2),带上调用者给的标志(O_RDONLY 或 O_RDWR,
加上 O_CREAT、O_EXCL、O_TRUNC)和 mode。glibc 自己还加两个标志:O_NOFOLLOW,
这样别人在人人可写的 /dev/shm 里放的符号链接永远不会被跟随;O_CLOEXEC,这样本进程
启动的程序不会继承这个描述符。mode 会被 umask 过滤:这由内核完成,不用你做。`,
			`先调用 ShmPath;它的 EINVAL 用 os.NewSyscallError("shm_open", err) 返回。然后
unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode);错误用
os.NewSyscallError("open", err) 返回:ENOENT(对象不存在又没有 O_CREAT)、EEXIST
(O_CREAT|O_EXCL 而名字已存在)、EACCES(权限位不允许这种访问)、ELOOP(这个名字是
符号链接)、ENAMETOOLONG。glibc 会把 EISDIR(这个名字是目录)变成 EINVAL。评分会从
/proc/self/fdinfo 读回描述符的标志(必须设置了 close-on-exec),还会在 /dev/shm
里放一个符号链接和一个目录来试。`,
			`1. 用 ShmPath 得到路径;出错就包装成 "shm_open" 返回。
2. 用给定的标志加上 O_NOFOLLOW 和 O_CLOEXEC、给定的 mode 打开路径。
3. 如果 open 返回 EISDIR,改成 EINVAL。
4. 出错就返回 -1 和包装成 "open" 的错误;否则返回描述符(由调用者关闭)。`,
		},
	},
	{
		Func: "Resize", Notes: "001 §1.1.3.1", Man: "ftruncate(2)",
		Levels: [3]string{
			`A new object has size 0, and nothing can be mapped past its end: the
size is set with ftruncate, as for any file. Growing adds pages that read
as zero (tmpfs keeps the old last page as it is, bytes stored past the old
end included); shrinking throws pages away, even under a live mapping
(touching them then raises SIGBUS).`,
			`unix.Ftruncate(fd, size); its error as os.NewSyscallError("ftruncate",
err): EINVAL (a descriptor not open for writing, a negative size), EFBIG.
os.NewSyscallError gives nil for a nil error, so one line does it.`,
			`1. Call ftruncate on the descriptor with the size.
2. Return its error wrapped as "ftruncate" (nil stays nil).`,
		},
		Zh: [3]string{
			`新建的对象大小为 0,超出末尾的部分无法映射:大小和普通文件一样用 ftruncate 设置。
变大时新增的页读出来是零(tmpfs 原样保留原来的最后一页,包括写在原末尾之后的字节);
变小时丢掉页面,即使这些页面还被映射着(之后再访问就会产生 SIGBUS)。`,
			`unix.Ftruncate(fd, size);错误用 os.NewSyscallError("ftruncate", err) 返回:
EINVAL(描述符不是以写方式打开的,或 size 为负)、EFBIG。os.NewSyscallError 对 nil
错误返回 nil,所以一行就够了。`,
			`1. 对描述符调用 ftruncate,传入大小。
2. 返回包装成 "ftruncate" 的错误(nil 仍是 nil)。`,
		},
	},
	{
		Func: "Stat", Notes: "001 §1.1.3.1", Man: "fstat(2)",
		Levels: [3]string{
			`An object is a file: fstat tells its size, its mode (type and
permission bits), its owner and its inode. The experiments use the size to
refuse a range past the end before mapping it, the inode to tell whether
two names lead to one object, and the mode to show what the umask left.`,
			`unix.Fstat(fd, &st) fills a unix.Stat_t; its error as
os.NewSyscallError("fstat", err).`,
			`1. Declare a unix.Stat_t.
2. Call fstat on the descriptor with its address.
3. Return it and the error wrapped as "fstat".`,
		},
		Zh: [3]string{
			`对象就是一个文件:fstat 给出它的大小、mode(类型和权限位)、属主和 inode。实验用
大小在映射前拒绝超出末尾的范围,用 inode 判断两个名字是不是同一个对象,用 mode
显示 umask 留下了哪些位。`,
			`unix.Fstat(fd, &st) 填充一个 unix.Stat_t;错误用 os.NewSyscallError("fstat", err)
返回。`,
			`1. 声明一个 unix.Stat_t。
2. 用它的地址对描述符调用 fstat。
3. 返回它和包装成 "fstat" 的错误。`,
		},
	},
	{
		Func: "Map", Notes: "001 §1.1.1.1, §1.1.3.1", Man: "mmap(2)",
		Levels: [3]string{
			`Processes share the object by mapping it (内存映射) with MAP_SHARED: a
store through one mapping is in the object, and every other mapping sees
it at once. The descriptor's access mode bounds the protection: a
PROT_WRITE shared mapping needs a descriptor open O_RDWR, and any mapping
needs one open for reading. PROT_EXEC asks for no execute bit of the mode:
only a file system mounted noexec refuses it.`,
			`unix.MmapPtr(fd, offset, nil, uintptr(length), prot, unix.MAP_SHARED)
(addr nil: the kernel chooses), then unsafe.Slice((*byte)(p), length) for
a []byte. Its error as os.NewSyscallError("mmap", err): EACCES (the
descriptor's mode does not allow prot), EINVAL (length 0, offset not a
multiple of the page size), ENODEV (a directory), EPERM (PROT_EXEC on a
noexec mount). Pass prot as it is: the grading reads the permissions back
from /proc/self/maps. Do not close fd: the caller owns it.`,
			`1. mmap the descriptor: no address, the length, the prot given,
   MAP_SHARED, the offset.
2. On error return nil and the error wrapped as "mmap".
3. Return the memory as a []byte of length bytes.`,
		},
		Zh: [3]string{
			`进程通过 MAP_SHARED 内存映射来共享对象:通过一个映射写入的内容就在对象里,其他所有
映射立刻都能看到。描述符的访问方式限制了保护位:带 PROT_WRITE 的共享映射需要以
O_RDWR 打开的描述符,任何映射都需要描述符可读。PROT_EXEC 不要求模式里的执行位:只有以
noexec 挂载的文件系统会拒绝它。`,
			`unix.MmapPtr(fd, offset, nil, uintptr(length), prot, unix.MAP_SHARED)(addr 为
nil:由内核选择),再用 unsafe.Slice((*byte)(p), length) 得到 []byte。错误用
os.NewSyscallError("mmap", err) 返回:EACCES(描述符的打开方式不允许 prot)、
EINVAL(length 为 0,offset 不是页大小的倍数)、ENODEV(目录)、EPERM(在 noexec 挂载上
要 PROT_EXEC)。prot 原样传入:评分会从 /proc/self/maps 读回权限。不要关闭 fd:它属于
调用者。`,
			`1. 对描述符做 mmap:不指定地址,给定长度和 prot,MAP_SHARED,给定 offset。
2. 出错就返回 nil 和包装成 "mmap" 的错误。
3. 把这段内存作为长度为 length 的 []byte 返回。`,
		},
	},
	{
		Func: "Unmap", Notes: "001 §1.1.1.2", Man: "munmap(2)",
		Levels: [3]string{
			`munmap removes the mapping from the address space; the bytes stay in
the object for the next process that maps it. The grading reads
/proc/self/maps after it: no mapping of the object may be left.`,
			`unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)));
its error as os.NewSyscallError("munmap", err) (EINVAL for an address
that is not the start of a page).`,
			`1. Take the address of the first byte of b and its length.
2. munmap them; return the error wrapped as "munmap".`,
		},
		Zh: [3]string{
			`munmap 把映射从地址空间中去掉;字节仍留在对象里,留给下一个映射它的进程。评分会在
之后读 /proc/self/maps:不能再留有这个对象的映射。`,
			`unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)));错误用
os.NewSyscallError("munmap", err) 返回(地址不是页的起点时为 EINVAL)。`,
			`1. 取 b 第一个字节的地址和它的长度。
2. 对它们调用 munmap;返回包装成 "munmap" 的错误。`,
		},
	},
	{
		Func: "ShmUnlink", Notes: "001 §1.1.3.2", Man: "shm_unlink(3), unlink(2)",
		Levels: [3]string{
			`shm_unlink is unlink(2) of the object's file: the name goes at once,
and the memory lives on until the last mapping and descriptor are gone.
glibc changes two errors on the way: a name it refuses is "no such
object", and unlink's EPERM becomes EACCES. The kernel says EPERM because
/dev/shm is sticky (mode 1777): only its owner may remove an object there.`,
			`ShmPath; if it refuses the name, return os.NewSyscallError("shm_unlink",
unix.ENOENT) (not EINVAL as shm_open). Then unix.Unlink(path); EPERM
becomes unix.EACCES; the error as os.NewSyscallError("unlink", err):
ENOENT (no such object), EACCES, EISDIR (a directory). The grading makes
the kernel answer EPERM (strace injects it, so any user can check it) and
expects "unlink: EACCES".`,
			`1. Get the path from ShmPath; if it fails, return ENOENT wrapped as
   "shm_unlink".
2. unlink the path.
3. If the error is EPERM, make it EACCES.
4. Return the error wrapped as "unlink" (nil stays nil).`,
		},
		Zh: [3]string{
			`shm_unlink 就是对对象文件调用 unlink(2):名字立刻消失,内存一直保留到最后一个映射和
描述符都没有了为止。glibc 中途改了两个错误:它拒绝的名字当作"没有这个对象",
unlink 的 EPERM 变成 EACCES。内核之所以返回 EPERM,是因为 /dev/shm 设置了粘滞位
(mode 1777):只有属主才能删除其中的对象。`,
			`先调用 ShmPath;它拒绝名字时,返回 os.NewSyscallError("shm_unlink", unix.ENOENT)
(不是 shm_open 那样的 EINVAL)。然后 unix.Unlink(path);EPERM 改成 unix.EACCES;
错误用 os.NewSyscallError("unlink", err) 返回:ENOENT(对象不存在)、EACCES、
EISDIR(目录)。评分会让内核返回 EPERM(用 strace 注入,所以任何用户都能检查),
期望看到 "unlink: EACCES"。`,
			`1. 用 ShmPath 得到路径;失败就返回包装成 "shm_unlink" 的 ENOENT。
2. 对路径调用 unlink。
3. 如果错误是 EPERM,改成 EACCES。
4. 返回包装成 "unlink" 的错误(nil 仍是 nil)。`,
		},
	},
	{
		Func: "AtomicAdd", Notes: "001 §1.1", Man: "go doc sync/atomic.AddUint64",
		Levels: [3]string{
			`Nothing orders the stores of processes that share memory (同步机制):
"load, add 1, store" run by two processes at once loses one of the adds.
An atomic add (LOCK XADD on x86) reads, adds and writes as one step that
no other CPU can cut into, so no update is ever lost, whichever process
makes it.`,
			`sync/atomic.AddUint64 on a *uint64 that points into the mapping:
(*uint64)(unsafe.Pointer(&m[off])). It returns the new value. The word
must lie whole inside m and be 8-byte aligned (off a multiple of 8; the
mapping starts on a page). The grading runs 4 processes adding for 600 ms
each and compares the counter with the adds they made: a plain += loses
millions.`,
			`1. Check that m[off:off+8] is inside m and that off is a multiple of 8.
2. Make a *uint64 pointing at m[off].
3. Add delta to it atomically and return the new value.`,
		},
		Zh: [3]string{
			`共享内存的进程之间,存储的先后没有任何保证(需要同步机制):两个进程同时执行
"读、加 1、写",会丢掉其中一次加法。原子加(x86 上的 LOCK XADD)把读、加、写作为
一步完成,其他 CPU 无法插入,所以无论哪个进程做的更新都不会丢失。`,
			`对指向映射内部的 *uint64 调用 sync/atomic.AddUint64:
(*uint64)(unsafe.Pointer(&m[off]))。它返回新值。这个字必须整个落在 m 里并且 8 字节
对齐(off 是 8 的倍数;映射从页边界开始)。评分会让 4 个进程各加 600 毫秒,再把计数
器和它们做过的加法次数比较:普通的 += 会丢掉几百万次。`,
			`1. 检查 m[off:off+8] 在 m 之内,并且 off 是 8 的倍数。
2. 构造一个指向 m[off] 的 *uint64。
3. 原子地加上 delta,返回新值。`,
		},
	},
	{
		Func: "AtomicLoad", Notes: "001 §1.1", Man: "go doc sync/atomic.LoadUint64",
		Levels: [3]string{
			`A counter other processes are adding to is read atomically too: the
load sees a whole value, the latest one, never a torn or stale copy the
compiler kept.`,
			`sync/atomic.LoadUint64 on the same *uint64 as AtomicAdd.`,
			`1. Check the bounds and the alignment as in AtomicAdd.
2. Load the word atomically and return it.`,
		},
		Zh: [3]string{
			`其他进程正在加的计数器,读取时也要用原子操作:读到的是完整的、最新的值,而不是被
撕裂的或编译器保留的旧副本。`,
			`对和 AtomicAdd 相同的 *uint64 调用 sync/atomic.LoadUint64。`,
			`1. 像 AtomicAdd 一样检查边界和对齐。
2. 原子地读出这个字并返回。`,
		},
	},
}

// semHintsEx are the hints for named semaphores (UNP2 ch. 10).
var semHintsEx = []exercise.Hint{
	{
		Func: "SemPath", Notes: "UNP2 §10.2, §2.2", Man: "sem_overview(7)",
		Levels: [3]string{
			`With glibc a named semaphore (有名信号量) is the file /dev/shm/sem.NAME:
shm_open's name rules, with "sem." in front of the name. Those 4 bytes come
out of the same 269-byte buffer, so a semaphore's name can be 4 bytes
shorter than an object's.`,
			`String work, as ShmPath: trim the leading "/", refuse an empty rest or
one with "/" or NUL, and refuse (bare unix.EINVAL) a path
"/dev/shm/sem." + name + NUL longer than 269 bytes. The grading tries
names of 251 bytes (works), 252 and 255 (open says ENAMETOOLONG) and 256
(EINVAL).`,
			`1. Trim every "/" at the start; refuse an empty rest, "/" or "\x00" in
   it with unix.EINVAL.
2. If len("/dev/shm/") + len("sem.") + len(rest) + 1 is more than 269,
   return unix.EINVAL.
3. Return ShmDir + "sem." + rest.`,
		},
		Zh: [3]string{
			`在 glibc 里,有名信号量就是文件 /dev/shm/sem.NAME:名字规则和 shm_open 一样,只是
在名字前面加上 "sem."。这 4 个字节占用同一个 269 字节的缓冲区,所以信号量的名字
比共享内存对象的名字最多短 4 个字节。`,
			`和 ShmPath 一样是字符串处理:去掉开头的 "/",拒绝为空或含 "/"、NUL 的名字,路径
"/dev/shm/sem." + 名字 + NUL 超过 269 字节时也拒绝(裸的 unix.EINVAL)。评分会试
251 字节(可以)、252 和 255 字节(open 返回 ENAMETOOLONG)、256 字节(EINVAL)。`,
			`1. 去掉开头所有的 "/";剩下的为空或含 "/"、"\x00" 时返回 unix.EINVAL。
2. 如果 len("/dev/shm/") + len("sem.") + len(剩下的) + 1 大于 269,返回
   unix.EINVAL。
3. 返回 ShmDir + "sem." + 剩下的部分。`,
		},
	},
	{
		Func: "SemOpen", Notes: "UNP2 §10.2", Man: "sem_open(3), link(2), mmap(2)",
		Levels: [3]string{
			`sem_open maps the 32-byte sem_t of /dev/shm/sem.NAME with MAP_SHARED, so
that every process that opens the name works on the same word (semt.go
has the layout: value in the low 32 bits of a 64-bit word, waiters in the
high 32, then private = 128). Creating must never let another process see
a half-made semaphore: glibc writes a complete sem_t into a new file of a
random name and then link(2)s it to the real name, which fails with EEXIST
rather than replace anything. The descriptor is closed once the sem_t is
mapped: the mapping keeps the file.`,
			`Open an existing one: unix.Open(path, O_RDWR|O_NOFOLLOW|O_CLOEXEC, 0)
(a semaphore is always read and written), fstat, and refuse anything but
a regular file of at least SemSize bytes with os.NewSyscallError(
"sem_open", unix.EINVAL); unix.MmapPtr(fd, 0, nil, SemSize,
PROT_READ|PROT_WRITE, MAP_SHARED); close fd. Create: value > SemValueMax
is os.NewSyscallError("sem_open", unix.EINVAL); open ShmDir+"sem.XXXXXX"
(6 random letters or digits) with O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|
O_CLOEXEC and mode; write the 32 bytes; map it; unix.Link(tmp, path);
unix.Unlink(tmp) whatever happened. Name each failed call: "open",
"fstat", "write", "mmap", "link". Errors: ENOENT (no O_CREAT), EEXIST
(from link, with O_EXCL), EACCES, ELOOP, ENAMETOOLONG. The grading traces
these calls with strace, and counts the descriptors left (0).`,
			`1. Get the path from SemPath (EINVAL wrapped as "sem_open").
2. Unless both O_CREAT and O_EXCL are given, try to open the existing
   semaphore; return what that gives, unless it is ENOENT with O_CREAT.
3. Check the value against SemValueMax.
4. Create: a temporary file of a random name, the sem_t written into it
   (value little-endian at 0, 128 at 8, zeros to 32), mapped, linked to
   the path; the temporary name unlinked and the descriptor closed in
   every case.
5. If link says EEXIST without O_EXCL, another process made it first:
   open that one (and if it is gone again, create again).
6. Return &Sem{Path: path, Data: the mapped address as *uint64}.`,
		},
		Zh: [3]string{
			`sem_open 用 MAP_SHARED 映射 /dev/shm/sem.NAME 里 32 字节的 sem_t,这样每个打开这个
名字的进程都操作同一个字(布局见 semt.go:64 位字的低 32 位是值,高 32 位是等待者
数,然后是 private = 128)。创建时绝不能让别的进程看到做了一半的信号量:glibc 先把
完整的 sem_t 写进一个随机名字的新文件,再用 link(2) 把它链接到真正的名字;名字已经
存在时 link 返回 EEXIST,而不会替换任何东西。sem_t 映射好之后就关闭描述符:映射本身
会保持文件。`,
			`打开已有的:unix.Open(path, O_RDWR|O_NOFOLLOW|O_CLOEXEC, 0)(信号量总是既读又写),
fstat,不是普通文件或小于 SemSize 字节的,用 os.NewSyscallError("sem_open",
unix.EINVAL) 拒绝;unix.MmapPtr(fd, 0, nil, SemSize, PROT_READ|PROT_WRITE,
MAP_SHARED);关闭 fd。创建:value > SemValueMax 时返回
os.NewSyscallError("sem_open", unix.EINVAL);用 O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|
O_CLOEXEC 和 mode 打开 ShmDir+"sem.XXXXXX"(6 个随机字母或数字);写入 32 字节;
映射;unix.Link(tmp, path);无论结果如何都 unix.Unlink(tmp)。每个失败的调用都要写明
名字:"open"、"fstat"、"write"、"mmap"、"link"。错误:ENOENT(没有 O_CREAT)、
EEXIST(带 O_EXCL 时来自 link)、EACCES、ELOOP、ENAMETOOLONG。评分用 strace 跟踪
这些调用,并数剩下的描述符(应为 0)。`,
			`1. 用 SemPath 得到路径(EINVAL 包装成 "sem_open")。
2. 除非同时给了 O_CREAT 和 O_EXCL,先试着打开已有的信号量;返回它的结果,除非
   是带 O_CREAT 时的 ENOENT。
3. 检查 value 是否超过 SemValueMax。
4. 创建:一个随机名字的临时文件,写入 sem_t(偏移 0 处小端序的 value,偏移 8 处的
   128,其余补零到 32 字节),映射,链接到路径;无论如何都删除临时名字、关闭描述符。
5. 没有 O_EXCL 时 link 返回 EEXIST,说明别的进程先建好了:打开那一个(如果它又被
   删掉了,就再创建一次)。
6. 返回 &Sem{Path: path, Data: 映射地址转成的 *uint64}。`,
		},
	},
	{
		Func: "SemClose", Notes: "UNP2 §10.2", Man: "sem_close(3), munmap(2)",
		Levels: [3]string{
			`sem_close ends this process's use of the semaphore: it unmaps the
sem_t. The semaphore itself, and its value, stay in /dev/shm until
sem_unlink. The grading reads /proc/self/maps after it: no mapping of the
file may be left.`,
			`unix.MunmapPtr(unsafe.Pointer(s.Data), SemSize); its error as
os.NewSyscallError("munmap", err).`,
			`1. munmap SemSize bytes at s.Data.
2. Return the error wrapped as "munmap".`,
		},
		Zh: [3]string{
			`sem_close 结束本进程对信号量的使用:取消 sem_t 的映射。信号量本身和它的值留在
/dev/shm 里,直到 sem_unlink。评分会在之后读 /proc/self/maps:不能再留有这个文件
的映射。`,
			`unix.MunmapPtr(unsafe.Pointer(s.Data), SemSize);错误用
os.NewSyscallError("munmap", err) 返回。`,
			`1. 对 s.Data 处的 SemSize 字节调用 munmap。
2. 返回包装成 "munmap" 的错误。`,
		},
	},
	{
		Func: "SemValue", Notes: "UNP2 §10.4", Man: "sem_getvalue(3)",
		Levels: [3]string{
			`The value of a semaphore (信号量的值) is how many tokens it holds. UNP
allows sem_getvalue to report waiters as a negative value; glibc counts
them apart (the high half of the word) and returns the value, 0 or more.`,
			`atomic.LoadUint64(s.Data), keep the low 32 bits (the mask is
1<<32 - 1). No system call, no error.`,
			`1. Load the 64-bit word atomically.
2. Return its low 32 bits as an int.`,
		},
		Zh: [3]string{
			`信号量的值就是它持有的令牌数。UNP 允许 sem_getvalue 用负数表示等待者;glibc 把等待
者单独计数(字的高半部分),返回的值总是 0 或正数。`,
			`atomic.LoadUint64(s.Data),取低 32 位(掩码是 1<<32 - 1)。没有系统调用,也没有错误。`,
			`1. 原子地读出 64 位字。
2. 把它的低 32 位作为 int 返回。`,
		},
	},
	{
		Func: "SemUnlink", Notes: "UNP2 §10.2", Man: "sem_unlink(3), unlink(2)",
		Levels: [3]string{
			`sem_unlink is unlink(2) of /dev/shm/sem.NAME, like shm_unlink: the name
goes at once; processes that have the semaphore mapped keep using it, and
a new semaphore of the same name is another file. glibc's errors are
shm_unlink's.`,
			`SemPath; a refused name is os.NewSyscallError("sem_unlink",
unix.ENOENT). unix.Unlink(path); EPERM (the sticky /dev/shm, another
user's semaphore) becomes unix.EACCES; the error as
os.NewSyscallError("unlink", err). The grading injects EPERM with strace.`,
			`1. Get the path from SemPath; if it fails, return ENOENT wrapped as
   "sem_unlink".
2. unlink the path; EPERM becomes EACCES.
3. Return the error wrapped as "unlink" (nil stays nil).`,
		},
		Zh: [3]string{
			`sem_unlink 就是对 /dev/shm/sem.NAME 调用 unlink(2),和 shm_unlink 一样:名字立刻消失;
已经映射了这个信号量的进程继续使用它,同名的新信号量是另一个文件。glibc 的错误和
shm_unlink 相同。`,
			`先调用 SemPath;被拒绝的名字返回 os.NewSyscallError("sem_unlink", unix.ENOENT)。
unix.Unlink(path);EPERM(粘滞的 /dev/shm,别的用户的信号量)改成 unix.EACCES;错误用
os.NewSyscallError("unlink", err) 返回。评分用 strace 注入 EPERM。`,
			`1. 用 SemPath 得到路径;失败就返回包装成 "sem_unlink" 的 ENOENT。
2. 对路径调用 unlink;EPERM 改成 EACCES。
3. 返回包装成 "unlink" 的错误(nil 仍是 nil)。`,
		},
	},
	{
		Func: "SemTryWait", Notes: "UNP2 §10.3", Man: "sem_wait(3) (sem_trywait)",
		Levels: [3]string{
			`sem_trywait takes a token if there is one and never sleeps. Taking is
one compare-and-swap on the shared word: from d to d-1, only if the word
still is d, so that two processes never take the same token. No system
call at all (strace sees none).`,
			`Load the word; if its low 32 bits are 0, return the bare errno
unix.EAGAIN; else atomic.CompareAndSwapUint64(s.Data, d, d-1), and if
another process changed the word in between (the CAS fails), load again
and retry.`,
			`1. Loop: load the word.
2. Value 0: return unix.EAGAIN.
3. CAS from d to d-1; if it worked, return nil; else go round again.`,
		},
		Zh: [3]string{
			`sem_trywait 有令牌就拿一个,从不睡眠。拿令牌是对共享字做一次比较并交换(CAS):只有
字仍然等于 d 时才把它从 d 改成 d-1,这样两个进程永远不会拿到同一个令牌。完全没有系统
调用(strace 看不到任何调用)。`,
			`读出这个字;低 32 位为 0 时返回裸的 errno unix.EAGAIN;否则
atomic.CompareAndSwapUint64(s.Data, d, d-1),如果其间别的进程改了这个字(CAS 失败),
就重新读取再试。`,
			`1. 循环:读出这个字。
2. 值为 0:返回 unix.EAGAIN。
3. 从 d 到 d-1 做 CAS;成功就返回 nil,否则再来一轮。`,
		},
	},
	{
		Func: "SemPost", Notes: "UNP2 §10.4", Man: "sem_post(3), futex(2)",
		Levels: [3]string{
			`sem_post adds a token; if some process counts itself as waiting (the
high half of the word), it also wakes one with the futex system call. A
post nobody waits for is one atomic instruction and no system call. The
futex call must be the shared kind (no FUTEX_PRIVATE_FLAG): the kernel
then finds the sleeper by the page of the file, which every process's
mapping reaches.`,
			`CAS loop from d to d+1; if the value (low 32 bits) is already
SemValueMax or more, return the bare errno unix.EOVERFLOW. After the CAS,
if d>>32 > 0: unix.Syscall6(unix.SYS_FUTEX, address of semValueWord(s),
FUTEX_WAKE, 1, 0, 0, 0); a non-zero errno as os.NewSyscallError("futex",
e). The grading traces the futex calls: a FUTEX_WAKE when a waiter is
counted (even one that was killed), none when no one is.`,
			`1. Loop: load the word; at SemValueMax return unix.EOVERFLOW.
2. CAS d to d+1; if it failed, go round again.
3. If the old word counted waiters, FUTEX_WAKE one on the value word.
4. Return nil, or the futex error wrapped as "futex".`,
		},
		Zh: [3]string{
			`sem_post 增加一个令牌;如果有进程把自己算作等待者(字的高半部分),还要用 futex 系统
调用唤醒一个。没有人等待时,post 只是一条原子指令,没有系统调用。futex 调用必须是
共享的那种(不带 FUTEX_PRIVATE_FLAG):这样内核按文件的页面找到睡眠者,每个进程的
映射都指向这个页面。`,
			`CAS 循环,从 d 改成 d+1;如果值(低 32 位)已经达到 SemValueMax,返回裸的 errno
unix.EOVERFLOW。CAS 之后,如果 d>>32 > 0:unix.Syscall6(unix.SYS_FUTEX,
semValueWord(s) 的地址, FUTEX_WAKE, 1, 0, 0, 0);非零的 errno 用
os.NewSyscallError("futex", e) 返回。评分会跟踪 futex 调用:有等待者计数时(即使那个
等待者已经被杀死)要有一次 FUTEX_WAKE,没有时一次也不能有。`,
			`1. 循环:读出这个字;达到 SemValueMax 时返回 unix.EOVERFLOW。
2. 从 d 到 d+1 做 CAS;失败就再来一轮。
3. 如果旧的字里有等待者,对值所在的字做 FUTEX_WAKE,唤醒一个。
4. 返回 nil,或包装成 "futex" 的 futex 错误。`,
		},
	},
	{
		Func: "SemWait", Notes: "UNP2 §10.3", Man: "sem_wait(3), futex(2)",
		Levels: [3]string{
			`sem_wait takes a token, and at 0 sleeps in the kernel until a post:
futex(FUTEX_WAIT) puts the process to sleep only if the value word still
holds 0, so a post that comes between the look and the sleep is never
missed. Before sleeping the process counts itself as a waiter (so that
sem_post knows to wake someone), and it uncounts itself when it takes the
token or gives up. It must not poll: one FUTEX_WAIT per sleep, however
long. (glibc sleeps in FUTEX_WAIT_BITSET with an absolute CLOCK_REALTIME
deadline: the same sleep; FUTEX_WAKE wakes either.)`,
			`Fast path: SemTryWait; with timeout 0 its answer is the answer (EAGAIN).
Slow path: atomic.AddUint64(s.Data, 1<<32) (one more waiter). Loop: while
the value is 0, unix.Syscall6(unix.SYS_FUTEX, semValueWord(s), FUTEX_WAIT,
0, timespec, 0, 0), shared (no FUTEX_PRIVATE_FLAG), timespec nil for ever
or the time left until the deadline (unix.NsecToTimespec). ETIMEDOUT:
take 1<<32 back out and return os.NewSyscallError("futex", ETIMEDOUT).
EAGAIN (the word was not 0), EINTR, 0 (woken): look again. A value above
0: CAS from d to d-1-(1<<32) takes a token and stops being a waiter at
once. The grading counts the FUTEX_WAIT calls with strace over half a
second of waiting, and checks the waiters go back to 0 after a timeout.`,
			`1. Try SemTryWait; return if it took a token, or if timeout is 0.
2. Compute the deadline if timeout > 0.
3. Count yourself a waiter (add 1<<32).
4. Loop: if the value is 0, futex-wait on the value word with the time
   left; on ETIMEDOUT uncount yourself and return it; otherwise reload
   and loop. If the value is not 0, CAS it to d-1-(1<<32): done when it
   works, reload and loop when it does not.`,
		},
		Zh: [3]string{
			`sem_wait 拿一个令牌,值为 0 时在内核里睡眠直到有人 post:futex(FUTEX_WAIT) 只在值所在
的字仍然是 0 时才让进程睡眠,所以在"查看"和"睡眠"之间到来的 post 不会丢失。睡眠前
进程把自己算作等待者(这样 sem_post 知道要唤醒谁),拿到令牌或放弃时再把自己减掉。
不能轮询:每次睡眠只调用一次 FUTEX_WAIT,无论睡多久。(glibc 用的是带 CLOCK_REALTIME
绝对截止时间的 FUTEX_WAIT_BITSET:同样的睡眠;FUTEX_WAKE 两种都能唤醒。)`,
			`快速路径:SemTryWait;timeout 为 0 时它的结果就是结果(EAGAIN)。慢速路径:
atomic.AddUint64(s.Data, 1<<32)(多一个等待者)。循环:值为 0 时调用
unix.Syscall6(unix.SYS_FUTEX, semValueWord(s), FUTEX_WAIT, 0, timespec, 0, 0),
共享的(不带 FUTEX_PRIVATE_FLAG),永远等待时 timespec 为 nil,否则是到截止时间还剩
的时间(unix.NsecToTimespec)。ETIMEDOUT:把 1<<32 减回去,返回
os.NewSyscallError("futex", ETIMEDOUT)。EAGAIN(字已经不是 0)、EINTR、0(被唤醒):
重新查看。值大于 0:从 d 到 d-1-(1<<32) 做 CAS,一次既拿到令牌又不再是等待者。评分用
strace 数半秒等待里的 FUTEX_WAIT 调用次数,并检查超时后等待者数回到 0。`,
			`1. 先试 SemTryWait;拿到令牌或 timeout 为 0 就返回。
2. timeout > 0 时计算截止时间。
3. 把自己算作等待者(加 1<<32)。
4. 循环:值为 0 时,用剩余时间在值所在的字上 futex 等待;ETIMEDOUT 时把自己减掉并
   返回;否则重新读取再循环。值不为 0 时,CAS 成 d-1-(1<<32):成功就结束,失败就
   重新读取再循环。`,
		},
	},
}
