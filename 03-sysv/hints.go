//go:build linux && (amd64 || arm64)

// The hints of the exercise, one per lesson function, in the order the
// README asks for them: `sysv hint FUNC -level 1|2|3 [-lang zh]`. Level 1
// is the idea, 2 the call with its flags and errors, 3 the steps of the
// code. Together they say everything the grading checks.

package main

import "shmlab/internal/exercise"

var hints = []exercise.Hint{
	{
		Func: "Ftok", Notes: "001 §1.1.2.1", Man: "ftok(3), stat(2)",
		Levels: [3]string{
			`A System V key (键值) is 32 bits that every process can compute from the
same file and project id. ftok builds it from the file's identity, not its
name: the low 8 bits of the id, the low 8 bits of the device the file is
on, the low 16 bits of its inode number. So the file must exist and be
reachable, two names of one inode give one key (a hard link; a symlink is
followed), ids 1 and 257 give one key, and two unrelated files may too.
The scenarios compare your keys with glibc's for files on several devices.`,
			`unix.Stat(path, &st) is stat(2): it follows a symlink (Lstat would give
the link's own inode). A failure is ftok's failure: return it as
os.NewSyscallError("stat", err), with ENOENT for a missing file and EACCES
for a directory on the way that may not be searched. glibc's layout
(sysvipc/ftok.c): bits 31-24 the id, 23-16 st.Dev, 15-0 st.Ino.`,
			`1. stat the path; on failure return 0 and the wrapped error.
2. Mask each part to its width (8, 8 and 16 bits), shift it to its place
   in a uint32 and OR the three together.
3. key_t is a signed 32-bit int: return the key through int32, so that a
   key of 0x80000000 or more is negative, as glibc's is.`,
		},
		Zh: [3]string{
			`System V 的键值(key)是 32 位,任何进程用同一个文件和同一个 id 都能算出同一个值。
ftok 用的是文件的身份而不是文件名:id 的低 8 位、文件所在设备号的低 8 位、
inode 号的低 16 位。所以文件必须存在并且能访问;同一个 inode 的两个名字
(硬链接;符号链接会被跟随)得到同一个键值;id 为 1 和 257 的键值相同;
两个毫不相干的文件也可能相同。评分会拿你的键值和 glibc 的 ftok 比较,
文件分布在好几个设备上。`,
			`unix.Stat(path, &st) 就是 stat(2):它跟随符号链接(Lstat 得到的是链接本身的
inode)。stat 失败就是 ftok 失败:返回 os.NewSyscallError("stat", err);
文件不存在是 ENOENT,路径上的目录没有搜索(x)权限是 EACCES。
glibc 的布局(sysvipc/ftok.c):第 31-24 位放 id,23-16 位放 st.Dev,
15-0 位放 st.Ino。`,
			`1. stat 这个路径;失败就返回 0 和包装好的错误。
2. 三部分各自按宽度(8、8、16 位)取低位,移到各自的位置,在 uint32 里按位或起来。
3. key_t 是有符号 32 位整数:经 int32 转换后返回,这样 0x80000000 以上的键值
   是负数,和 glibc 一样。`,
		},
	},
	{
		Func: "Get", Notes: "001 §1.1.2.2", Man: "shmget(2)",
		Levels: [3]string{
			`shmget finds the 共享内存 segment that has a key, or makes one. IPC_CREAT
makes it when the key is free, IPC_CREAT|IPC_EXCL insists on making it,
IPC_EXCL alone adds nothing, and IPC_PRIVATE (key 0) always makes a new
one. The low 9 bits of the flag are a new segment's mode (访问权限); for an
existing segment they ask for access, checked against its mode. Bit
04000, which the notes call IPC_NOWAIT, is SHM_HUGETLB to shmget. Get
passes the caller's key, size and flag through unchanged, every bit of
it: the experiments choose the flags, and the kernel's answer is the
lesson.`,
			`unix.SysvShmGet(key, size, flag) returns the id. Return a failure as
os.NewSyscallError("shmget", err), its errno as the kernel gave it:
EEXIST (IPC_CREAT|IPC_EXCL on a taken key), ENOENT (no IPC_CREAT and no
segment has the key), EINVAL (size 0, over SHMMAX, or more than the
existing segment's size), EACCES (its mode refuses the access the mode
bits of flag ask for), ENOMEM or EPERM (SHM_HUGETLB: no huge pages
reserved, or not allowed to this user). Add no flag and no mode bits of
your own, and drop none.`,
			`One call. Return the id and nil, or -1 and the wrapped error.`,
		},
		Zh: [3]string{
			`shmget 按键值找到一个共享内存段,或者新建一个。单独用 IPC_CREAT:键值空闲就
新建;IPC_CREAT|IPC_EXCL:一定要新建;单独用 IPC_EXCL 没有作用;IPC_PRIVATE
(键值 0)每次都新建。flag 的低 9 位是新共享内存的访问权限;对已有的共享内存,
它们表示要求的访问,内核拿它的权限来检查。笔记称为 IPC_NOWAIT 的 04000 位,
对 shmget 来说是 SHM_HUGETLB。Get 原样传递调用者给的 key、size 和 flag 的每一位:
用哪些标志由实验决定,内核的回答才是要学的内容。`,
			`unix.SysvShmGet(key, size, flag) 返回 id。失败时返回
os.NewSyscallError("shmget", err),errno 保持内核给的原样:EEXIST(IPC_CREAT|IPC_EXCL
而键值已被占用)、ENOENT(没有 IPC_CREAT 且没有共享内存用这个键值)、EINVAL
(size 为 0、超过 SHMMAX、或比已有的段大)、EACCES(它的权限不允许 flag 的权限位
要求的访问)、ENOMEM 或 EPERM(SHM_HUGETLB:没有预留大页,或这个用户不允许)。
不要自己添加标志或权限位,也不要丢掉任何一位。`,
			`一次调用。返回 id 和 nil,或者 -1 和包装好的错误。`,
		},
	},
	{
		Func: "Stat", Notes: "001 §1.1.2.5", Man: "shmctl(2)",
		Levels: [3]string{
			`shmctl(IPC_STAT) copies out the kernel's shmid_ds of a segment, its
attributes (属性): ipc_perm (key, owner uid and gid, creator cuid and
cgid, mode), the size, the pids of the creator and of the last
shmat/shmdt, nattch and three times. It needs read permission in the
caller's class of mode bits, so the owner's own bits bind the owner. The
id of a removed segment names nothing.`,
			`unix.SysvShmCtl(id, unix.IPC_STAT, &ds) fills a unix.SysvShmDesc of your
own. Return a failure as os.NewSyscallError("shmctl IPC_STAT", err):
EINVAL (no segment has this id, for instance after IPC_RMID), EACCES (no
read permission). Never hide it behind an empty shmid_ds: the experiments
tell a removed segment from a live one by that EINVAL.`,
			`Declare ds, make the call, return &ds and nil, or nil and the wrapped
error.`,
		},
		Zh: [3]string{
			`shmctl(IPC_STAT) 把内核里共享内存的 shmid_ds(它的属性)复制出来:ipc_perm
(键值、所有者 uid 和 gid、创建者 cuid 和 cgid、权限)、大小、创建者和最后一次
shmat/shmdt 的进程号、nattch 以及三个时间。它要求调用者所属类别有读权限,
所以所有者自己的权限位也约束所有者。已删除的共享内存的 id 不再指向任何东西。`,
			`unix.SysvShmCtl(id, unix.IPC_STAT, &ds) 填写你自己的 unix.SysvShmDesc。失败时返回
os.NewSyscallError("shmctl IPC_STAT", err):EINVAL(没有这个 id 的共享内存,比如
IPC_RMID 之后)、EACCES(没有读权限)。不要用一个空的 shmid_ds 掩盖错误:实验正是
靠这个 EINVAL 区分已删除的和还在的共享内存。`,
			`声明 ds,调用,返回 &ds 和 nil,或者 nil 和包装好的错误。`,
		},
	},
	{
		Func: "Set", Notes: "001 §1.1.2.5", Man: "shmctl(2)",
		Levels: [3]string{
			`shmctl(IPC_SET) writes a segment's attributes (属性) from the buffer you
pass, and only three of them: the owner (uid and gid) and the 9
permission bits of the mode. The kernel keeps its own flags above those
bits (dest, locked), the creator and the size whatever the buffer says.
Set passes the uid, gid and mode it is given, all three: the experiments
read the current ones first when they change only one. Only the owner,
the creator or root may set (EPERM), and the kernel checks the uid and
gid you pass.`,
			`Fill a unix.SysvShmDesc of your own: ds.Perm.Uid, ds.Perm.Gid and
ds.Perm.Mode; then unix.SysvShmCtl(id, unix.IPC_SET, &ds). Return its
error as os.NewSyscallError("shmctl IPC_SET", err): EPERM (not the owner
or creator), EINVAL (no such id, or a uid or gid that means nothing to
the caller, as in a user namespace where it is not mapped). A failed set
must not look done.`,
			`1. Declare ds and set the three fields of ds.Perm from the arguments,
   each in its own place (uid is not gid).
2. IPC_SET with &ds; return its error wrapped.`,
		},
		Zh: [3]string{
			`shmctl(IPC_SET) 按你传入的缓冲区设置共享内存的属性,而且只取其中三项:所有者
(uid 和 gid)和权限的 9 个权限位。这 9 位以上内核自己的标志(dest、locked)、
创建者和大小,不管缓冲区里写了什么都保持不变。Set 原样传入给它的 uid、gid 和
mode 这三项:只改其中一项时,实验会先读出当前的值。只有所有者、创建者或 root
可以设置(EPERM),内核还会检查你传入的 uid 和 gid。`,
			`自己填一个 unix.SysvShmDesc:ds.Perm.Uid、ds.Perm.Gid 和 ds.Perm.Mode;然后
unix.SysvShmCtl(id, unix.IPC_SET, &ds)。错误返回
os.NewSyscallError("shmctl IPC_SET", err):EPERM(不是所有者或创建者)、EINVAL
(没有这个 id,或者 uid、gid 对调用者没有意义,比如在没有映射它的用户命名空间里)。
设置失败不能看起来像成功了。`,
			`1. 声明 ds,用参数填好 ds.Perm 的三个字段,各放各的位置(uid 不是 gid)。
2. 用 &ds 调用 IPC_SET;把错误包装后返回。`,
		},
	},
	{
		Func: "Attach", Notes: "001 §1.1.2.3", Man: "shmat(2)",
		Levels: [3]string{
			`shmat maps (映射) the segment into this process; with a NULL address the
kernel picks where. Without SHM_RDONLY the mapping is read-write and
needs read and write permission; with it, read-only (a store is SIGSEGV)
and read permission is enough. The kernel checks the bits of the
caller's class only: an owner with mode 0400 may attach read-only, and
with 0066 not at all. Each attach adds one to nattch.`,
			`unix.SysvShmAttach(id, 0, flag), flag unix.SHM_RDONLY when rdonly and 0
otherwise, returns a []byte as long as the segment. Return a failure as
os.NewSyscallError("shmat", err): EACCES (the caller's class lacks read,
or read and write), EINVAL (no segment has this id).`,
			`1. Pick the flag from rdonly.
2. Make the call; return the slice and nil, or nil and the wrapped error.`,
		},
		Zh: [3]string{
			`shmat 把共享内存映射到本进程的地址空间;地址为 NULL 时由内核选择位置。
不带 SHM_RDONLY 时映射可读写,需要读和写权限;带上它就是只读映射(写入会
引发 SIGSEGV),有读权限就够了。内核只检查调用者所属类别的那几位:权限为
0400 的所有者可以只读映射,0066 的所有者根本不能映射。每次映射 nattch 加一。`,
			`unix.SysvShmAttach(id, 0, flag),rdonly 时 flag 为 unix.SHM_RDONLY,否则为 0;
返回一个与共享内存等长的 []byte。失败时返回 os.NewSyscallError("shmat", err):
EACCES(调用者所属类别缺少读权限,或缺少读写权限)、EINVAL(没有这个 id 的共享内存)。`,
			`1. 根据 rdonly 选择 flag。
2. 调用;返回切片和 nil,或者 nil 和包装好的错误。`,
		},
	},
	{
		Func: "Detach", Notes: "001 §1.1.2.4", Man: "shmdt(2)",
		Levels: [3]string{
			`shmdt undoes one shmat: the mapping goes and nattch drops by one. The
segment and its bytes stay in the kernel (随内核持续) until IPC_RMID; if
IPC_RMID came while it was attached, the last shmdt frees it. The
scenarios read nattch back after the detach.`,
			`unix.SysvShmDetach(b), with b exactly the slice Attach returned. Return
its error as os.NewSyscallError("shmdt", err) (EINVAL: b is not the start
of an attached segment, as on a second shmdt of the same address: a
scenario checks that this EINVAL comes back). It must be shmdt itself:
doing nothing leaves nattch where it was.`,
			`One call; return its error wrapped (os.NewSyscallError gives nil for nil).`,
		},
		Zh: [3]string{
			`shmdt 撤销一次 shmat:映射消失,nattch 减一。共享内存和其中的数据留在内核里
(随内核持续),直到 IPC_RMID;如果映射期间已经 IPC_RMID,最后一次 shmdt 会释放它。
评分会在解除映射之后读回 nattch。`,
			`unix.SysvShmDetach(b),b 必须正是 Attach 返回的那个切片。错误返回
os.NewSyscallError("shmdt", err)(EINVAL:b 不是某个已映射共享内存的起始地址,
比如对同一地址第二次 shmdt:有评分场景检查这个 EINVAL)。必须真的调用 shmdt:
什么都不做的话 nattch 不会变。`,
			`一次调用;把它的错误包装后返回(err 为 nil 时 os.NewSyscallError 返回 nil)。`,
		},
	},
	{
		Func: "Remove", Notes: "001 §1.1.2.5", Man: "shmctl(2)",
		Levels: [3]string{
			`shmctl(IPC_RMID) removes (删除) the segment. With nothing attached it is
freed at once and its id names nothing. While attached, the kernel only
marks it dest and sets its key to IPC_PRIVATE (0), so no shmget finds
it; the attached processes keep using it, and the memory goes with the
last shmdt. It asks for ownership (owner, creator or root; else EPERM),
not for mode bits: an owner with mode 0000 can still remove.`,
			`unix.SysvShmCtl(id, unix.IPC_RMID, nil): no buffer. Return a failure as
os.NewSyscallError("shmctl IPC_RMID", err): EINVAL (no segment has this
id, for instance removed already), EPERM (another user's). Do not
IPC_STAT first: that needs read permission, which an owner may lack.`,
			`One call; return its error wrapped.`,
		},
		Zh: [3]string{
			`shmctl(IPC_RMID) 删除共享内存。没有进程映射时立即释放,它的 id 不再指向任何东西。
仍有映射时,内核只把它标记为 dest,并把键值改成 IPC_PRIVATE(0),于是 shmget
再也找不到它;已映射的进程照常使用,内存在最后一次 shmdt 时释放。它要求的是
所有权(所有者、创建者或 root,否则 EPERM),而不是权限位:权限为 0000 的
所有者仍然可以删除。`,
			`unix.SysvShmCtl(id, unix.IPC_RMID, nil):不需要缓冲区。失败时返回
os.NewSyscallError("shmctl IPC_RMID", err):EINVAL(没有这个 id 的共享内存,
比如已经删除)、EPERM(别的用户的)。不要先 IPC_STAT:那需要读权限,而所有者
未必有。`,
			`一次调用;把错误包装后返回。`,
		},
	},
	{
		Func: "Info", Notes: "UNP2 3.8", Man: "shmctl(2) (IPC_INFO)",
		Levels: [3]string{
			`shmctl(0, IPC_INFO, buf), Linux-specific, fills a struct shminfo with
the system's limits on segments: SHMMAX, SHMMIN, SHMMNI, SHMSEG, SHMALL.
Three of them are also the sysctls /proc/sys/kernel/shm{max,mni,all},
but the lesson is the call: a scenario watches for it with strace.`,
			`x/sys has no wrapper for IPC_INFO (its SysvShmCtl takes a shmid_ds, not
a shminfo), so make the system call yourself: unix.Syscall with
unix.SYS_SHMCTL, id 0, command 3 (IPC_INFO) and the address of an
ShmInfo. A non-zero errno e is the failure:
os.NewSyscallError("shmctl IPC_INFO", e).`,
			`1. Declare info ShmInfo.
2. Make the raw call with uintptr(unsafe.Pointer(&info)) as its third
   argument.
3. If the errno is not 0, return it wrapped; else info and nil.`,
		},
		Zh: [3]string{
			`shmctl(0, IPC_INFO, buf) 是 Linux 特有的,它把系统对共享内存的限制填进
struct shminfo:SHMMAX、SHMMIN、SHMMNI、SHMSEG、SHMALL。其中三个也是
/proc/sys/kernel/shm{max,mni,all} 这几个 sysctl,但要学的是这个调用:有一个
评分场景用 strace 看它是否真的被调用。`,
			`x/sys 没有 IPC_INFO 的封装(它的 SysvShmCtl 接收 shmid_ds,而不是 shminfo),
所以要自己发起系统调用:unix.Syscall,参数为 unix.SYS_SHMCTL、id 0、命令 3
(IPC_INFO)和一个 ShmInfo 的地址。errno e 不为 0 就是失败:
os.NewSyscallError("shmctl IPC_INFO", e)。`,
			`1. 声明 info ShmInfo。
2. 发起系统调用,第三个参数为 uintptr(unsafe.Pointer(&info))。
3. errno 不为 0 就返回包装好的错误;否则返回 info 和 nil。`,
		},
	},
}
