//go:build linux && (amd64 || arm64)

// The hints of the exercise, one per lesson function, in the order the
// README asks for them: `shmfifo hint FUNC -level 1|2|3 [-lang zh]`. Level 1
// is the idea, 2 the call with its flags and errors, 3 the steps of the
// code. Together they say everything the grading checks.

package main

import "shmlab/internal/exercise"

var hints = append(sysvHints, fastHints...)

// sysvHints: the course's lesson, lab.go (System V semaphores and the shmfifo).
var sysvHints = []exercise.Hint{
	{
		Func: "Semget", Notes: "course ep. 30", Man: "semget(2)",
		Levels: [3]string{
			`A System V semaphore set (信号量集) is a kernel object found by a key, like
a shared memory segment: semget returns the id of the set that has the
key, or makes one. The FIFO uses three sets of one semaphore each, at
KEY, KEY+1 and KEY+2. The caller decides everything: the number of
semaphores and the flags.`,
			`golang.org/x/sys/unix has no wrapper: make the raw call
unix.Syscall(unix.SYS_SEMGET, key, nsems, flags). A non-zero errno is
the error, returned as os.NewSyscallError("semget", errno): ENOENT (no
set at the key and no IPC_CREAT), EEXIST (IPC_CREAT|IPC_EXCL and the key
is taken), EACCES (the set's mode refuses us). Pass flags through
unchanged: IPC_CREAT, IPC_EXCL and the mode bits are the caller's.`,
			`1. One raw system call with the three arguments.
2. On errno != 0 return -1 and the wrapped errno; else the id.`,
		},
		Zh: [3]string{
			`System V 信号量集和共享内存段一样,是用键值找到的内核对象:semget 返回
具有这个键值的信号量集的标识符,或者新建一个。这个 FIFO 用三个信号量集,
每个只含一个信号量,键值分别是 KEY、KEY+1、KEY+2。信号量的个数和标志都由
调用者决定。`,
			`golang.org/x/sys/unix 没有封装这个调用:直接用
unix.Syscall(unix.SYS_SEMGET, key, nsems, flags)。errno 不为 0 就是错误,
返回 os.NewSyscallError("semget", errno):ENOENT(没有这个键值的信号量集,
又没给 IPC_CREAT)、EEXIST(IPC_CREAT|IPC_EXCL 而键值已被占用)、EACCES
(信号量集的权限不让进)。flags 原样传下去:IPC_CREAT、IPC_EXCL 和权限位
都是调用者的。`,
			`1. 用这三个参数做一次系统调用。
2. errno 不为 0 时返回 -1 和包装好的错误,否则返回标识符。`,
		},
	},
	{
		Func: "Semop", Notes: "course ep. 30 (PV原语)", Man: "semop(2), semtimedop(2), signal(7)",
		Levels: [3]string{
			`semop applies a list of operations (struct sembuf) to a set, all of them
or none, atomically: Op -1 is P (wait until the value is at least 1, then
take one), Op +1 is V. Each operation keeps its own flags: SEM_UNDO on the
mutex (the kernel gives it back if the process dies) and nothing on the
counting semaphores. The timeout decides how to wait: negative waits for
ever, 0 does not wait at all, more gives up after that long; and the
kernel itself must do the waiting, never a loop that tries again.`,
			`Raw calls again: unix.Syscall(unix.SYS_SEMOP, id, &ops[0], len(ops)) for
ever; the same with IPC_NOWAIT added to each operation's Flg (on a copy:
the caller's slice is not yours) for timeout 0; and
unix.Syscall6(unix.SYS_SEMTIMEDOP, id, &ops[0], len(ops), &ts, 0, 0) for
a timeout, ts being unix.NsecToTimespec of what is left of it. A signal
interrupts a waiting semop with EINTR whatever SA_RESTART says, and the Go
runtime signals its threads all the time: retry EINTR, with what is left
of the timeout. Errors: os.NewSyscallError("semop" or "semtimedop",
errno): EAGAIN (IPC_NOWAIT, or the timeout passed: when nothing is left,
return semtimedop's EAGAIN yourself), EIDRM (the set was removed while
you waited), EINVAL (an empty list, or no such set), ERANGE.`,
			`1. An empty list is EINVAL.
2. Timeout 0: copy the list and add IPC_NOWAIT to every Flg.
3. Note the deadline; loop: for a timeout > 0, compute what is left
   (nothing left: semtimedop EAGAIN) and call semtimedop with it; else
   call semop.
4. errno 0: done; EINTR: go round again; anything else: return it,
   named after the call you made.`,
		},
		Zh: [3]string{
			`semop 对一个信号量集原子地执行一组操作(struct sembuf),要么全部完成,
要么一个也不做:Op 为 -1 是 P 操作(等到值至少为 1 再减一),+1 是 V 操作。
每个操作带自己的标志:互斥信号量带 SEM_UNDO(进程死掉时内核替它归还),
计数信号量什么都不带。timeout 决定怎么等:负数一直等,0 完全不等,正数等
那么久就放弃;而且等待必须由内核来做,不能用循环反复尝试。`,
			`同样是直接的系统调用:一直等用
unix.Syscall(unix.SYS_SEMOP, id, &ops[0], len(ops));timeout 为 0 时在每个
操作的 Flg 上加 IPC_NOWAIT(在副本上改:调用者的切片不归你);有超时时用
unix.Syscall6(unix.SYS_SEMTIMEDOP, id, &ops[0], len(ops), &ts, 0, 0),
ts 是剩余时间的 unix.NsecToTimespec。不管 SA_RESTART 怎么设,信号都会让
正在等待的 semop 以 EINTR 返回,而 Go 运行时一直在给自己的线程发信号:
遇到 EINTR 要重试,用剩下的时间。错误用 os.NewSyscallError("semop" 或
"semtimedop", errno):EAGAIN(IPC_NOWAIT,或超时到了;时间用完时自己返回
semtimedop 的 EAGAIN)、EIDRM(等待期间信号量集被删除)、EINVAL(空列表,
或没有这个信号量集)、ERANGE。`,
			`1. 空列表返回 EINVAL。
2. timeout 为 0:复制列表,给每个 Flg 加上 IPC_NOWAIT。
3. 记下截止时间,然后循环:timeout > 0 时算出剩余时间(没有剩余就返回
   semtimedop 的 EAGAIN)并用它调用 semtimedop;否则调用 semop。
4. errno 为 0 就完成;EINTR 就再来一次;其他错误按你调用的名字返回。`,
		},
	},
	{
		Func: "SemSetVal", Notes: "course ep. 30", Man: "semctl(2)",
		Levels: [3]string{
			`semctl SETVAL gives one semaphore of a set its value: how a new set gets
its start value (the mutex 1, the free blocks "blocks", the filled ones
0). A semaphore holds at most SEMVMX, 32767.`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, SETVAL, val, 0, 0). The fourth
argument is C's union semun, passed by value: for SETVAL its int member,
the value itself (not its address). Errors as
os.NewSyscallError("semctl SETVAL", errno): ERANGE (val < 0 or above
32767), EINVAL, EIDRM, EPERM.`,
			`One call; return the wrapped errno, or nil.`,
		},
		Zh: [3]string{
			`semctl SETVAL 给信号量集里的一个信号量设值:新的信号量集就是这样得到初值的
(互斥信号量 1,空闲块 blocks,已填块 0)。一个信号量最大是 SEMVMX,32767。`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, SETVAL, val, 0, 0)。第四个参数是
C 的 union semun,按值传递:SETVAL 用它的 int 成员,也就是值本身(不是地址)。
错误用 os.NewSyscallError("semctl SETVAL", errno):ERANGE(val 小于 0 或
大于 32767)、EINVAL、EIDRM、EPERM。`,
			`一次调用;返回包装好的错误,或 nil。`,
		},
	},
	{
		Func: "SemRemove", Notes: "course ep. 30", Man: "semctl(2)",
		Levels: [3]string{
			`semctl IPC_RMID removes a set at once (unlike a segment, which waits for
its last detach): every process sleeping in semop on it wakes up with
EIDRM. That is how destroy wakes a consumer that waits for ever.`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_RMID, 0, 0, 0). Errors as
os.NewSyscallError("semctl IPC_RMID", errno): EINVAL (no such set),
EPERM (neither its owner nor its creator).`,
			`One call; return the wrapped errno, or nil.`,
		},
		Zh: [3]string{
			`semctl IPC_RMID 立即删除信号量集(共享内存段要等最后一个进程分离,它不用):
所有在它上面的 semop 里睡眠的进程都以 EIDRM 醒来。destroy 正是这样唤醒
一直等待的消费者。`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_RMID, 0, 0, 0)。错误用
os.NewSyscallError("semctl IPC_RMID", errno):EINVAL(没有这个信号量集)、
EPERM(既不是属主也不是创建者)。`,
			`一次调用;返回包装好的错误,或 nil。`,
		},
	},
	{
		Func: "SemGetVal", Notes: "course ep. 30", Man: "semctl(2)",
		Levels: [3]string{
			`semctl GETVAL reads the value of one semaphore, without waiting and
without changing it: what stat shows as mutex, free and filled.`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, GETVAL, 0, 0, 0): the value is the
call's result. Errors as os.NewSyscallError("semctl GETVAL", errno).`,
			`One call; return the result as an int, or 0 and the wrapped errno.`,
		},
		Zh: [3]string{
			`semctl GETVAL 读出一个信号量的值,不等待也不改变它:stat 显示的 mutex、
free、filled 就是这样来的。`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, GETVAL, 0, 0, 0):调用的返回值就是
信号量的值。错误用 os.NewSyscallError("semctl GETVAL", errno)。`,
			`一次调用;返回结果(int),或 0 和包装好的错误。`,
		},
	},
	{
		Func: "SemNsems", Notes: "course ep. 30 (信号量集结构)", Man: "semctl(2)",
		Levels: [3]string{
			`semctl IPC_STAT copies the set's struct semid_ds (信号量集结构) into a buffer
of yours: its owner, mode, times and sem_nsems, the number of semaphores
in the set. Open checks that each of the FIFO's sets holds exactly one.`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_STAT, &buf[0], 0, 0)
with a buffer larger than the struct (a [128]byte will do); sem_nsems is
an unsigned long at offset semidNsemsOffset() (sem.go: the layout differs
between x86-64 and the other 64-bit machines). Errors as
os.NewSyscallError("semctl IPC_STAT", errno). Read the count from the
buffer: do not assume it.`,
			`1. The call into the buffer.
2. Read the 64-bit word at semidNsemsOffset() and return it as an int.`,
		},
		Zh: [3]string{
			`semctl IPC_STAT 把信号量集的 struct semid_ds(信号量集结构)复制到你的缓冲区:
属主、权限、时间,以及 sem_nsems,即集合里信号量的个数。Open 用它检查 FIFO 的
每个信号量集正好只有一个信号量。`,
			`unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_STAT, &buf[0], 0, 0),
缓冲区要比结构体大([128]byte 就够);sem_nsems 是一个 unsigned long,位于
semidNsemsOffset() 处(sem.go:x86-64 和其他 64 位机器的布局不同)。错误用
os.NewSyscallError("semctl IPC_STAT", errno)。个数要从缓冲区里读,不能假定。`,
			`1. 调用,把结构读进缓冲区。
2. 读出 semidNsemsOffset() 处的 64 位数,作为 int 返回。`,
		},
	},
	{
		Func: "Init", Notes: "course ep. 33 (shmfifo_init)", Man: "shmget(2), shmat(2), semget(2), semctl(2)",
		Levels: [3]string{
			`shmfifo_init makes four objects: one segment (共享内存) of a 16-byte header
(blksize, blocks, rd_index, wr_index) and blksize × blocks bytes of
blocks, and three one-semaphore sets: KEY the mutex (互斥, 1), KEY+1 the
free blocks (blocks), KEY+2 the filled blocks (0). All four with
IPC_EXCL and the caller's mode (perm), which the kernel keeps and which
binds even their owner. The same FIFO already at the key is opened
instead (created false); anything else there is shmget's EEXIST. A
failure halfway leaves nothing behind.`,
			`unix.SysvShmGet(key, HeaderSize+blksize*blocks, IPC_CREAT|IPC_EXCL|perm);
on EEXIST, Open(key) (given) and compare f.Blksize and f.Blocks; a
different one is
os.NewSyscallError("shmget", unix.EEXIST). unix.SysvShmAttach(id, 0, 0)
(an error: remove the segment, return "shmat"). Then Semget(key+i, 1,
IPC_CREAT|IPC_EXCL|perm) and SemSetVal for i = 0, 1, 2. Errors come
from those calls: semget EEXIST when KEY+1 or KEY+2 is taken, semctl
SETVAL ERANGE for more than 32767 blocks, shmget EINVAL/ENOMEM for a size
too large. Blocks or blksize below 1 is a plain error.`,
			`1. Check blksize and blocks; compute the size.
2. shmget; on EEXIST open what is there and compare; other errors return.
3. shmat into a &Fifo{Key, ShmID, mem, Sync: "sysv", Blksize, Blocks};
   write the four header fields with f.setField.
4. Make the three sets with their start values into f.Mutex, f.Free,
   f.Filled; if one fails, remove the sets made, detach (f.Close) and
   remove the segment (shmctl IPC_RMID), and return the error.
5. f.bindSysv() (given: the mutex with SEM_UNDO); return f, true.`,
		},
		Zh: [3]string{
			`shmfifo_init 建四个对象:一个共享内存段,里面是 16 字节的头(blksize、blocks、
rd_index、wr_index)和 blksize × blocks 字节的块;三个只含一个信号量的信号量集:
KEY 是互斥信号量(1),KEY+1 是空闲块数(blocks),KEY+2 是已填块数(0)。
四个对象都用 IPC_EXCL 和调用者给的权限(perm)创建;权限由内核保存,连属主
自己也受它约束。键值上已经有同样的 FIFO 就打开它(created 为 false);有别的
东西就是 shmget 的 EEXIST。中途失败时什么也不能留下。`,
			`unix.SysvShmGet(key, HeaderSize+blksize*blocks, IPC_CREAT|IPC_EXCL|perm);
遇到 EEXIST 就 Open(key)(已给出)并比较 f.Blksize、f.Blocks;不同就返回 os.NewSyscallError("shmget", unix.EEXIST)。
unix.SysvShmAttach(id, 0, 0)(失败时删除共享内存段,返回 "shmat" 的错误)。
然后对 i = 0、1、2 调用 Semget(key+i, 1, IPC_CREAT|IPC_EXCL|perm) 和
SemSetVal。错误来自这些调用:KEY+1 或 KEY+2 被占用时 semget 返回 EEXIST;
超过 32767 个块时 semctl SETVAL 返回 ERANGE;大小太大时 shmget 返回
EINVAL/ENOMEM。blocks 或 blksize 小于 1 是普通错误。`,
			`1. 检查 blksize 和 blocks,算出大小。
2. shmget;EEXIST 时打开已有的并比较;其他错误直接返回。
3. shmat 得到 &Fifo{Key, ShmID, mem, Sync: "sysv", Blksize, Blocks};
   用 f.setField 写头部的四个字段。
4. 建三个信号量集并设初值,标识符放进 f.Mutex、f.Free、f.Filled;任何一步
   失败,删掉已建的信号量集,分离(f.Close)并删除共享内存段(shmctl
   IPC_RMID),返回错误。
5. f.bindSysv()(已给出:互斥信号量带 SEM_UNDO);返回 f, true。`,
		},
	},
	{
		Func: "Destroy", Notes: "course ep. 33 (shmfifo_destroy)", Man: "shmctl(2), semctl(2)",
		Levels: [3]string{
			`shmfifo_destroy removes the segment and the three sets. Removing the
sets wakes every process waiting on them (EIDRM); removing the segment
takes effect when the last process detaches. It removes whatever of the
four it finds (a half-made or half-removed FIFO too) and says how many;
finding none is an error. A -sync posix FIFO has no sets: whatever is at
its KEY+1 and KEY+2 is someone else's.`,
			`unix.SysvShmGet(key, 0, 0) finds the segment (ENOENT: none);
watchWaiters(key, id) (given) attaches it if it is a posix FIFO;
unix.SysvShmCtl(id, unix.IPC_RMID, nil) removes it ("shmctl IPC_RMID");
only if that worked, Wake() tells the posix waiters and says whether it
was posix (Drop() if it failed: another user's refused destroy must not
stop the FIFO). Then, for a sysv FIFO or no segment at all,
Semget(key+i, 0, 0) for i = 0, 1, 2 (ENOENT: skip it) and SemRemove.
Nothing at all removed: os.NewSyscallError("shmget", unix.ENOENT).`,
			`1. shmget; if found: watchWaiters, shmctl IPC_RMID (failed: Drop and
   return), then Wake, count it; an error other than ENOENT returns.
2. Unless it was posix: the three keys, open and remove each set found,
   count it.
3. Return the count, or shmget ENOENT if it is 0.`,
		},
		Zh: [3]string{
			`shmfifo_destroy 删除共享内存段和三个信号量集。删除信号量集会唤醒所有在上面
等待的进程(EIDRM);删除共享内存段要等最后一个进程分离才真正生效。找到
四个对象中的哪几个就删哪几个(建了一半或删了一半的 FIFO 也一样),并报告
删了几个;一个也没找到是错误。-sync posix 的 FIFO 没有信号量集:它的 KEY+1、
KEY+2 上的东西是别人的。`,
			`unix.SysvShmGet(key, 0, 0) 找到共享内存段(ENOENT:没有);watchWaiters(key, id)
(已给出)在它是 posix FIFO 时先把它连接上;unix.SysvShmCtl(id, unix.IPC_RMID, nil)
删除它("shmctl IPC_RMID");删除成功之后才调用 Wake() 唤醒 posix 的等待者,
它也告诉你是不是 posix 的(失败就 Drop():别的用户的 destroy 被拒绝,FIFO
不能因此停摆)。然后,
对 sysv FIFO 或根本没有段的情况,对 i = 0、1、2 调用 Semget(key+i, 0, 0)
(ENOENT 就跳过)和 SemRemove。一个也没删:返回
os.NewSyscallError("shmget", unix.ENOENT)。`,
			`1. shmget;找到了就 watchWaiters,再 shmctl IPC_RMID(失败:Drop 后返回),
   然后 Wake,计数;ENOENT 以外的错误直接返回。
2. 不是 posix 的话:三个键值,找到的信号量集逐个打开并删除,计数。
3. 返回个数;为 0 时返回 shmget 的 ENOENT。`,
		},
	},
	{
		Func: "Put", Notes: "course ep. 33 (shmfifo_put, 生产者消费者问题)", Man: "semop(2)",
		Levels: [3]string{
			`The producer's side of 生产者消费者问题: P(free) to wait for an empty block,
P(mutex) to be alone with wr_index (临界区), copy the message into block
wr_index and advance it round the ring, V(mutex), V(filled) to tell a
consumer. The order of the two Ps matters: a producer that holds the
mutex while it waits for a free block keeps every consumer out, and
nobody ever frees one (死锁). The same code runs the course's System V
sets and the futex ones of -sync posix: use only f.free, f.filled and
f.mutex.`,
			`f.free.Wait(timeout) and f.mutex.Lock(remaining(start, timeout)) are
the two Ps (the second gets what is left of the timeout);
f.mutex.Unlock() and f.filled.Post() the two Vs. Return their errors as
they are. f.index(hWrIndex) reads and checks wr_index (the header is in
memory anyone may scribble on: a bad one is an ErrCorrupt error);
f.block(i) is block i; f.setField writes the new wr_index. A message
shorter than a block is padded with NUL bytes (get prints up to the
first one); one longer is a plain error.`,
			`1. Message longer than f.Blksize: error. Note the start time.
2. P(free); an error returns.
3. P(mutex) with what is left; an error gives the free block back
   (V(free)) and returns.
4. Index from f.index; an error unlocks, gives the block back, returns.
5. Copy the message into the block and zero the rest; wr_index + 1
   modulo f.Blocks.
6. V(mutex), then V(filled).`,
		},
		Zh: [3]string{
			`生产者消费者问题里生产者的一方:P(free) 等一个空块,P(mutex) 独占 wr_index
(临界区),把消息复制进第 wr_index 块并让它沿环前进,V(mutex),V(filled)
通知消费者。两个 P 的顺序很重要:生产者如果拿着互斥锁等空块,所有消费者都
进不来,也就永远没人腾出空块(死锁)。同一份代码既要跑课程的 System V
信号量集,也要跑 -sync posix 的 futex 信号量:只用 f.free、f.filled 和
f.mutex。`,
			`f.free.Wait(timeout) 和 f.mutex.Lock(remaining(start, timeout)) 是两个 P
(第二个用剩下的时间);f.mutex.Unlock() 和 f.filled.Post() 是两个 V。它们的
错误原样返回。f.index(hWrIndex) 读出并检查 wr_index(头部在谁都能乱写的内存
里:坏的头部是 ErrCorrupt 错误);f.block(i) 是第 i 块;f.setField 写回新的
wr_index。比块短的消息用 NUL 字节补齐(get 只打印到第一个 NUL);比块长的是
普通错误。`,
			`1. 消息比 f.Blksize 长:报错。记下开始时间。
2. P(free);出错就返回。
3. 用剩余时间 P(mutex);出错就把空块还回去(V(free))再返回。
4. 用 f.index 取下标;出错就解锁、还回空块、返回。
5. 把消息复制进块,其余部分清零;wr_index 加 1 后对 f.Blocks 取模。
6. V(mutex),然后 V(filled)。`,
		},
	},
	{
		Func: "Get", Notes: "course ep. 33 (shmfifo_get, 生产者消费者问题)", Man: "semop(2)",
		Levels: [3]string{
			`The consumer's side, the mirror of Put: P(filled) to wait for a filled
block, P(mutex), copy block rd_index out and advance it, V(mutex),
V(free) to give the block back to the producers. Again P(filled) comes
before P(mutex): a consumer waiting inside the mutex would keep every
producer out.`,
			`f.filled.Wait(timeout), f.mutex.Lock(remaining(start, timeout)),
f.index(hRdIndex), f.block(i), f.setField, f.mutex.Unlock(),
f.free.Post(). dst has f.Blksize bytes: copy the whole block.`,
			`1. Note the start time. P(filled); an error returns.
2. P(mutex) with what is left; an error gives the filled block back
   (V(filled)) and returns.
3. Index from f.index; an error unlocks, gives the block back, returns.
4. Copy the block into dst; rd_index + 1 modulo f.Blocks.
5. V(mutex), then V(free).`,
		},
		Zh: [3]string{
			`消费者的一方,和 Put 对称:P(filled) 等一个已填的块,P(mutex),把第
rd_index 块复制出来并让它前进,V(mutex),V(free) 把块还给生产者。同样
P(filled) 在 P(mutex) 之前:在互斥锁里等待的消费者会把所有生产者挡在外面。`,
			`f.filled.Wait(timeout)、f.mutex.Lock(remaining(start, timeout))、
f.index(hRdIndex)、f.block(i)、f.setField、f.mutex.Unlock()、
f.free.Post()。dst 有 f.Blksize 字节:复制整个块。`,
			`1. 记下开始时间。P(filled);出错就返回。
2. 用剩余时间 P(mutex);出错就把已填块还回去(V(filled))再返回。
3. 用 f.index 取下标;出错就解锁、还回块、返回。
4. 把块复制进 dst;rd_index 加 1 后对 f.Blocks 取模。
5. V(mutex),然后 V(free)。`,
		},
	},
}

// fastHints: the fast path, lab_fast.go (futex words in the segment).
var fastHints = []exercise.Hint{
	{
		Func: "FutexWait", Notes: "001 §1.1 (同步机制); course ep. 39", Man: "futex(2)",
		Levels: [3]string{
			`A futex is a 32-bit word in memory that processes change with atomic
instructions; the kernel is asked only to put a process to sleep while
the word still holds the value it last saw (FUTEX_WAIT), and to wake
sleepers (FUTEX_WAKE). The check and the sleep are one step in the
kernel, so a wake that comes after your last look is never lost: if the
word changed already, FUTEX_WAIT returns at once. The words here are in
shared memory (共享内存) and the sleepers are other processes.`,
			`unix.Syscall6(unix.SYS_FUTEX, addr, futexWaitOp, val, &ts or 0, 0, 0),
ts a relative time (unix.NsecToTimespec(timeout)), no timespec (0) for a
negative timeout. Never add FUTEX_PRIVATE_FLAG (128): a private futex is
keyed on this process's address space, and a process that waits on a
shared word privately is never woken by another. Returns: nil for a
wake-up, for EAGAIN (the word was not val) and for EINTR (a signal): all
three mean "look at the word again". Anything else, ETIMEDOUT included,
is os.NewSyscallError("futex", errno).`,
			`1. Build the timespec only for timeout >= 0.
2. One raw call.
3. errno 0, EAGAIN, EINTR: nil; else the wrapped errno.`,
		},
		Zh: [3]string{
			`futex 是内存里的一个 32 位字,进程用原子指令修改它;只有两件事要内核做:
在这个字仍然等于你最后看到的值时让进程睡眠(FUTEX_WAIT),以及唤醒睡眠者
(FUTEX_WAKE)。检查和睡眠在内核里是一步完成的,所以在你最后一次查看之后
到来的唤醒不会丢:字已经变了,FUTEX_WAIT 立即返回。这里的字在共享内存里,
睡眠者是别的进程。`,
			`unix.Syscall6(unix.SYS_FUTEX, addr, futexWaitOp, val, &ts 或 0, 0, 0),
ts 是相对时间(unix.NsecToTimespec(timeout)),timeout 为负时不传 timespec
(0)。绝不能加 FUTEX_PRIVATE_FLAG(128):私有 futex 以本进程的地址空间为键,
用私有方式在共享字上等待的进程,别的进程永远唤不醒它。返回值:被唤醒、
EAGAIN(字不等于 val)、EINTR(信号)都返回 nil,意思都是"再看一次这个字"。
其他错误,包括 ETIMEDOUT,返回 os.NewSyscallError("futex", errno)。`,
			`1. 只在 timeout >= 0 时构造 timespec。
2. 一次系统调用。
3. errno 为 0、EAGAIN、EINTR 时返回 nil;否则返回包装好的错误。`,
		},
	},
	{
		Func: "FutexWake", Notes: "001 §1.1 (同步机制); course ep. 39", Man: "futex(2)",
		Levels: [3]string{
			`FUTEX_WAKE wakes at most n processes sleeping in FUTEX_WAIT on the same
word (the same page and offset, whatever address each process has
mapped it at) and says how many it woke.`,
			`unix.Syscall6(unix.SYS_FUTEX, addr, futexWakeOp, n, 0, 0, 0); the result
is the number woken. Shared, like the wait: no FUTEX_PRIVATE_FLAG.
Errors as os.NewSyscallError("futex", errno).`,
			`One call; return int(result), or 0 and the wrapped errno.`,
		},
		Zh: [3]string{
			`FUTEX_WAKE 最多唤醒 n 个在同一个字上(同一页的同一偏移,不管各进程把它
映射在什么地址)睡在 FUTEX_WAIT 里的进程,并返回唤醒了几个。`,
			`unix.Syscall6(unix.SYS_FUTEX, addr, futexWakeOp, n, 0, 0, 0);返回值是唤醒
的个数。和等待一样是共享的:不加 FUTEX_PRIVATE_FLAG。错误用
os.NewSyscallError("futex", errno)。`,
			`一次调用;返回 int(结果),或 0 和包装好的错误。`,
		},
	},
	{
		Func: "RingReserve", Notes: "course ep. 33 (生产者消费者问题); 001 §1.1", Man: "futex(2)",
		Levels: [3]string{
			`The first half of a put that copies nothing (a loan): instead of copying
a message into the ring, the producer asks for the next free block
itself and writes its message there. With one producer and one consumer
the ring (环形缓冲区) needs no lock: two counters only grow, head
(messages put, written by the producer alone) and tail (messages taken,
written by the consumer alone); block = counter mod blocks; full when
head - tail == blocks. Reserving publishes nothing: the consumer looks
only at head, and head moves in RingCommit. A producer killed between
the two leaves the ring as it was.`,
			`head is f.u64(offProd+sideCounter), tail f.u64(offCons+sideCounter);
atomic loads only. Waiting: f.ringWait(ready, tailp,
f.u32(offProdWaiting), offProd, timeout) (given) spins, raises the
producer's waiting flag, sleeps in FUTEX_WAIT and returns tail as last
seen (keep it in f.seenTail: look again only when it says full).
f.checkHeader() before handing the block out; the block is
f.block(int(head % Blocks)). Remember the loan in f.reserved and
f.loanHead for RingCommit. A second RingReserve while a block is
reserved is a plain error (errors.New). Errors: EAGAIN (timeout 0,
full), ETIMEDOUT, EIDRM (destroyed), returned as ringWait gives them.`,
			`1. A block reserved already: error.
2. Load head; if head - seenTail >= Blocks, ringWait for room and keep
   the tail it returns.
3. checkHeader.
4. Remember the loan (reserved, head); return block head mod Blocks.`,
		},
		Zh: [3]string{
			`不复制的放入(借出一个块)的前一半:生产者不把消息复制进环,而是直接要来
下一个空闲块,在块里写消息。只有一个生产者和一个消费者时,环形缓冲区不需要
锁:两个只增不减的计数器,head(已放入的消息数,只由生产者写)和 tail(已
取走的消息数,只由消费者写);块号 = 计数器 mod blocks;head - tail ==
blocks 时满。预留不发布任何东西:消费者只看 head,而 head 在 RingCommit 里
才动。生产者在两者之间被杀,环保持原样。`,
			`head 是 f.u64(offProd+sideCounter),tail 是 f.u64(offCons+sideCounter);
只用原子读。等待:f.ringWait(ready, tailp, f.u32(offProdWaiting), offProd,
timeout)(已给出)会自旋、举起生产者的等待标志、睡在 FUTEX_WAIT 里,并返回
最后看到的 tail(存进 f.seenTail:只有它显示满的时候才重新看)。把块交出去
之前调用 f.checkHeader();块是 f.block(int(head % Blocks))。把这次借出记在
f.reserved 和 f.loanHead 里,留给 RingCommit。已经预留了一个块时再调用
RingReserve 返回普通错误(errors.New)。错误:EAGAIN(timeout 为 0 且满)、
ETIMEDOUT、EIDRM(已销毁),按 ringWait 给出的原样返回。`,
			`1. 已经预留了一个块:报错。
2. 读 head;若 head - seenTail >= Blocks,用 ringWait 等空位,并保存它返回的
   tail。
3. checkHeader。
4. 记下这次借出(reserved、head);返回第 head mod Blocks 块。`,
		},
	},
	{
		Func: "RingCommit", Notes: "course ep. 33 (生产者消费者问题); 001 §1.1", Man: "futex(2)",
		Levels: [3]string{
			`Publishing is one store: head + 1, after the last byte of the block was
written. The order is the whole point: a consumer that sees the new head
reads the block at once and must find it whole; sync/atomic's store
comes after every write the producer made before it. Then, if the
consumer said it sleeps, wake it: it sleeps on head, and without the
wake it would sleep on until its sleep's slice (futexSlice) ends.`,
			`No block reserved: a plain error. Clear f.reserved;
atomic.StoreUint64(headp, f.loanHead+1). The wake: if the consumer's
flag f.u32(offConsWaiting) is set and SwapUint32 to 0 says you cleared
it: bump(f.u64(offProd+sideWakes)), FutexWake(low32(headp), 1),
returning its error.`,
			`1. Nothing reserved: error.
2. End the loan; store head = the reserved head + 1.
3. Consumer flagged: clear its flag, count and make the wake.`,
		},
		Zh: [3]string{
			`发布就是一次写:head + 1,在块的最后一个字节写完之后。关键在顺序:看到
新 head 的消费者会马上读这个块,必须看到完整的块;sync/atomic 的写排在
生产者在它之前做的所有写之后。然后,如果消费者说它在睡,就唤醒它:它睡在
head 上,没有这次唤醒,它要一直睡到这一段睡眠(futexSlice)结束。`,
			`没有预留的块:返回普通错误。清掉 f.reserved;
atomic.StoreUint64(headp, f.loanHead+1)。唤醒:消费者的标志
f.u32(offConsWaiting) 已举起,且 SwapUint32 成 0 表明是你清掉的:
bump(f.u64(offProd+sideWakes)),FutexWake(low32(headp), 1),返回它的错误。`,
			`1. 没有预留:报错。
2. 结束借出;写 head = 预留时的 head + 1。
3. 消费者举了标志:清掉它的标志,计数并唤醒。`,
		},
	},
	{
		Func: "RingPeek", Notes: "course ep. 33 (生产者消费者问题); 001 §1.1", Man: "futex(2)",
		Levels: [3]string{
			`The consumer's side of the loan: wait while the ring is empty (head ==
tail), then hand out block tail mod blocks itself, to be read where the
producer wrote it. The block stays the consumer's until RingRelease
stores tail: until then the producer cannot reuse it, and a consumer
killed before the release leaves it in the ring.`,
			`f.ringWait(ready, headp, f.u32(offConsWaiting), offCons, timeout) waits
while empty and returns head as last seen; f.slip(head, tail, headp)
(given) lets small messages pile up a little; keep the result in
f.seenHead. f.checkHeader() before handing the block out. Remember the
loan in f.peeked and f.loanTail. A second RingPeek while a block is
peeked is a plain error. Errors as ringWait gives them.`,
			`1. A block peeked already: error.
2. Load tail; if seenHead <= tail, ringWait for a message and keep
   f.slip's head in seenHead.
3. checkHeader.
4. Remember the loan (peeked, tail); return block tail mod Blocks.`,
		},
		Zh: [3]string{
			`借出的消费者一侧:环为空(head == tail)时等待,然后直接交出第 tail mod
blocks 块,让消费者在生产者写的地方读。在 RingRelease 写 tail 之前,这个块
一直属于消费者:生产者不能重用它;消费者在归还之前被杀,块留在环里。`,
			`f.ringWait(ready, headp, f.u32(offConsWaiting), offCons, timeout) 在空的
时候等待,并返回最后看到的 head;f.slip(head, tail, headp)(已给出)让小消息
稍微攒一攒;结果存进 f.seenHead。把块交出去之前调用 f.checkHeader()。把这次
借出记在 f.peeked 和 f.loanTail 里。已经借出一个块时再调用 RingPeek 返回普通
错误。其他错误按 ringWait 给出的原样返回。`,
			`1. 已经借出一个块:报错。
2. 读 tail;若 seenHead <= tail,用 ringWait 等消息,把 f.slip 返回的 head
   存进 seenHead。
3. checkHeader。
4. 记下这次借出(peeked、tail);返回第 tail mod Blocks 块。`,
		},
	},
	{
		Func: "RingRelease", Notes: "course ep. 33 (生产者消费者问题); 001 §1.1", Man: "futex(2)",
		Levels: [3]string{
			`Giving the block back is one store: tail + 1, after the consumer's last
read of the block (a producer that sees the new tail may overwrite it at
once). Then wake a producer that said it sleeps.`,
			`No block peeked: a plain error. Clear f.peeked;
atomic.StoreUint64(tailp, f.loanTail+1). The wake: the producer's flag
f.u32(offProdWaiting), bump(f.u64(offCons+sideWakes)),
FutexWake(low32(tailp), 1).`,
			`1. Nothing peeked: error.
2. End the loan; store tail = the peeked tail + 1.
3. Producer flagged: clear its flag, count and make the wake.`,
		},
		Zh: [3]string{
			`归还块就是一次写:tail + 1,在消费者最后一次读这个块之后(看到新 tail 的
生产者可能马上覆盖它)。然后唤醒说自己在睡的生产者。`,
			`没有借出的块:返回普通错误。清掉 f.peeked;
atomic.StoreUint64(tailp, f.loanTail+1)。唤醒:生产者的标志
f.u32(offProdWaiting),bump(f.u64(offCons+sideWakes)),
FutexWake(low32(tailp), 1)。`,
			`1. 没有借出:报错。
2. 结束借出;写 tail = 借出时的 tail + 1。
3. 生产者举了标志:清掉它的标志,计数并唤醒。`,
		},
	},
	{
		Func: "RingPut", Notes: "course ep. 33 (生产者消费者问题); UNP2 §10.6", Man: "futex(2)",
		Levels: [3]string{
			`A put is a loan with a copy: reserve the next block, copy the message
into it, zero the rest of the block (a short message must not keep the
end of an older one), commit. This copy and RingGet's are the two copies
a pipe makes too (write copies into the kernel, read copies out); a
producer that builds its message in the reserved block makes neither.`,
			`A message longer than f.Blksize is an error (fmt.Errorf) before any
wait. Then RingReserve(timeout), copy, clear the rest, RingCommit();
their errors as they come.`,
			`1. Message longer than a block: error.
2. Reserve; an error returns.
3. Copy the message in; zero the rest of the block.
4. Commit, and return what it says.`,
		},
		Zh: [3]string{
			`放入就是带一次复制的借出:预留下一个块,把消息复制进去,块的其余部分清零
(短消息不能留下旧消息的尾巴),提交。这次复制和 RingGet 的那次,就是管道
也要做的两次复制(write 复制进内核,read 复制出来);直接在预留的块里构造
消息的生产者,两次都不用做。`,
			`消息比 f.Blksize 长:在任何等待之前返回错误(fmt.Errorf)。然后
RingReserve(timeout)、复制、其余清零、RingCommit();它们的错误原样返回。`,
			`1. 消息比块长:报错。
2. 预留;出错就返回。
3. 把消息复制进去;块的其余部分清零。
4. 提交,返回它的结果。`,
		},
	},
	{
		Func: "RingGet", Notes: "course ep. 33 (生产者消费者问题); UNP2 §10.6", Man: "futex(2)",
		Levels: [3]string{
			`A get is a peek with a copy: peek the oldest block, copy it into dst,
release it. The copy comes before the release: after the release the
producer may overwrite the block.`,
			`RingPeek(timeout); copy(dst, block); RingRelease(). Errors as they
come.`,
			`1. Peek; an error returns.
2. Copy the block into dst.
3. Release, and return what it says.`,
		},
		Zh: [3]string{
			`取出就是带一次复制的借出:借出最早的块,复制进 dst,归还。复制在归还之前:
归还之后生产者可能覆盖这个块。`,
			`RingPeek(timeout);copy(dst, 块);RingRelease()。错误原样返回。`,
			`1. 借出;出错就返回。
2. 把块复制进 dst。
3. 归还,返回它的结果。`,
		},
	},
	{
		Func: "Sem.Wait", Notes: "course ep. 39 (POSIX信号量); UNP2 §10.8", Man: "sem_overview(7), sem_wait(3), futex(2)",
		Levels: [3]string{
			`P on a process-shared POSIX semaphore (信号量) that lives in the segment,
laid out as glibc's sem_t: one 64-bit word, the value in its low half
and the number of waiters in its high half. While the value is above 0,
P is one compare-and-swap and no system call at all. At 0, the waiter
first counts itself in the high half (so that every V knows to wake
someone), then sleeps in FUTEX_WAIT on the low half while it is 0, and
takes the value and leaves the waiters in one compare-and-swap. A waiter
that gives up takes itself off the waiters again.`,
			`sync/atomic on s.Word: LoadUint64, CompareAndSwapUint64, AddUint64 (one
waiter is 1<<semNwaitersShift; minus one is adding its two's complement).
Timeout 0 at value 0: os.NewSyscallError("sem_trywait", unix.EAGAIN).
The sleep is futexSleep(low32(s.Word), 0, s.Dead, s.Waits,
deadline(timeout), timeout) (given): one FUTEX_WAIT, counted; EIDRM
once destroy marked the FIFO dead; ETIMEDOUT once the deadline passed;
nil means look again.`,
			`1. Fast path: load; while the value (low 32 bits) > 0, CAS it one
   lower; success returns nil; a lost race loads again.
2. Timeout 0: sem_trywait EAGAIN.
3. Add one waiter (AddUint64 returns the new word).
4. Loop: while the value > 0, CAS to value-1 and waiters-1 at once;
   success returns. Else futexSleep; an error takes the waiter off
   again and returns; nil loads the word again.`,
		},
		Zh: [3]string{
			`在共享内存段里的、进程间共享的 POSIX 信号量上做 P 操作;布局和 glibc 的 sem_t
一样:一个 64 位字,低 32 位是值,高 32 位是等待者个数。值大于 0 时,P 只是
一次比较并交换(CAS),根本不进内核。值为 0 时,等待者先把自己计入高 32 位
(这样每个 V 都知道要唤醒人),再在值为 0 时睡在低 32 位的 FUTEX_WAIT 上,
醒来后用一次 CAS 同时取走一个值并把自己从等待者中去掉。放弃等待的进程也要
把自己从等待者中去掉。`,
			`对 s.Word 用 sync/atomic:LoadUint64、CompareAndSwapUint64、AddUint64
(一个等待者是 1<<semNwaitersShift;减一就是加上它的补码)。timeout 为 0 且值
为 0:返回 os.NewSyscallError("sem_trywait", unix.EAGAIN)。睡眠用
futexSleep(low32(s.Word), 0, s.Dead, s.Waits, deadline(timeout), timeout)
(已给出):一次 FUTEX_WAIT 并计数;destroy 标记了 FIFO 后返回 EIDRM;过了
截止时间返回 ETIMEDOUT;返回 nil 就再看一次。`,
			`1. 快速路径:读取;值(低 32 位)大于 0 时,CAS 让它减一;成功就返回 nil;
   竞争失败就重新读。
2. timeout 为 0:返回 sem_trywait 的 EAGAIN。
3. 加一个等待者(AddUint64 返回新的字)。
4. 循环:值大于 0 时,用一次 CAS 同时把值和等待者各减一,成功就返回;
   否则 futexSleep;出错就把等待者减回去并返回错误;返回 nil 就重新读这个字。`,
		},
	},
	{
		Func: "Sem.Post", Notes: "course ep. 39 (POSIX信号量); UNP2 §10.8", Man: "sem_overview(7), sem_post(3), futex(2)",
		Levels: [3]string{
			`V on the same word: add one to the value with a compare-and-swap, and
only if the high half counts waiters, wake one of them with FUTEX_WAKE.
Nobody waiting, no system call; somebody waiting, exactly one wake.`,
			`CompareAndSwapUint64(s.Word, d, d+1); at SemValueMax the value cannot
grow: os.NewSyscallError("sem_post", unix.EOVERFLOW). If d>>
semNwaitersShift != 0: bump(s.Wakes) and FutexWake(low32(s.Word), 1),
returning its error.`,
			`1. Loop: load; value at SemValueMax: EOVERFLOW; CAS to d+1; a lost race
   loads again.
2. Waiters counted in the word you replaced: count the wake and make it.`,
		},
		Zh: [3]string{
			`在同一个字上做 V 操作:用 CAS 给值加一;只有高 32 位记有等待者时,才用
FUTEX_WAKE 唤醒其中一个。没人等就没有系统调用;有人等就正好唤醒一次。`,
			`CompareAndSwapUint64(s.Word, d, d+1);值到了 SemValueMax 就不能再加:返回
os.NewSyscallError("sem_post", unix.EOVERFLOW)。若 d>>semNwaitersShift != 0:
bump(s.Wakes),再 FutexWake(low32(s.Word), 1),返回它的错误。`,
			`1. 循环:读取;值为 SemValueMax 就返回 EOVERFLOW;CAS 成 d+1;竞争失败就
   重新读。
2. 被你替换掉的那个字里记有等待者:计数并唤醒一个。`,
		},
	},
	{
		Func: "Mutex.Lock", Notes: "course ep. 31 (互斥), ep. 39 (互斥锁)", Man: "futex(2) (robust futexes), set_robust_list(2), pthread_mutex_lock(3)",
		Levels: [3]string{
			`The FIFO's mutex (互斥锁) in the segment is glibc's process-shared robust
pthread_mutex_t. Its lock word is 0 when free and the owner's id when
held, with FUTEX_WAITERS set once somebody sleeps on it. A word in
memory has no SEM_UNDO: instead the holder lists the mutex on its robust
list, which the kernel walks when the process dies, for whatever
reason: it sets FUTEX_OWNER_DIED in the word and wakes a waiter, and
the next locker takes the lock over and is told so (EOWNERDEAD). A
word the kernel never marked (its owner had no robust list, or someone
scribbled a pid) would be waited on for ever: a waiter asks whether the
owner still exists and, if not, takes it over the same way.`,
			`The list is given (robust.go): robustPending(m) announces the lock in
progress, robustEnqueue(m) lists it once held, robustMu serialises this
process's goroutines. The word: m.word(); take it with CompareAndSwap
from 0 (or from a word with futexOwnerDied set) to robustTID, keeping
futexWaiters (and adding it once you have slept: others may still
sleep). Held by a live owner: timeout 0 is
os.NewSyscallError("pthread_mutex_trylock", unix.EBUSY); else set
futexWaiters (CAS) and futexSleep(m.word(), old, m.Dead, m.Waits,
deadline(timeout), timeout). Before sleeping (and before EBUSY): the
owner's pid is word & futexTIDMask; no pid at all (only flag bits), or
unix.Kill(pid, 0) failing with unix.ESRCH (no such process; EPERM means
it exists): take that word over like a FUTEX_OWNER_DIED one (not when
the pid is robustTID). A lock
taken from a dead owner returns unix.EOWNERDEAD with the lock held. A
word whose __owner says
mutexNotRecoverable is ENOTRECOVERABLE. robustErr, if set, is
set_robust_list's error.`,
			`1. robustErr: return it. robustMu.Lock(); robustPending(m).
2. Loop on the word: free, owner died, or owner gone (kill(pid, 0) is
   ESRCH): CAS to our id (keep the waiters bit) and stop; held and
   timeout 0: EBUSY; held: make sure FUTEX_WAITERS is set, then
   futexSleep on the value with the bit.
3. Taken, but __owner is mutexNotRecoverable: give the word back (wake
   if it had waiters), ENOTRECOVERABLE.
4. On any error: robustPending(nil), robustMu.Unlock(), return it.
5. Held: __count 1, robustEnqueue(m), robustPending(nil).
6. From a dead owner: __owner mutexInconsistent, bump(m.Recovered),
   return EOWNERDEAD. Else __owner robustTID, __nusers + 1, nil.`,
		},
		Zh: [3]string{
			`FIFO 在共享内存段里的互斥锁是 glibc 的进程间共享的健壮(robust)
pthread_mutex_t。它的锁字空闲时为 0,被持有时是属主的 id,有人在上面睡眠后
还会置上 FUTEX_WAITERS。内存里的一个字没有 SEM_UNDO:取而代之的是,持有者
把这个互斥锁登记在自己的健壮链表上,进程无论因为什么死掉,内核都会遍历这个
链表:在锁字里置上 FUTEX_OWNER_DIED 并唤醒一个等待者,下一个加锁者接管这把锁,
并被告知这一点(EOWNERDEAD)。内核从未标记过的锁字(属主没有健壮链表,
或者有人乱写了一个 pid)会让等待者永远等下去:等待者要问一问属主是否还存在,
不存在就用同样的方式接管。`,
			`链表已经给出(robust.go):robustPending(m) 声明正在加锁,加锁成功后用
robustEnqueue(m) 登记,robustMu 让本进程的 goroutine 排队。锁字:m.word();
用 CompareAndSwap 从 0(或置了 futexOwnerDied 的字)换成 robustTID,保留
futexWaiters(睡过一次之后还要自己加上它:可能还有别人在睡)。被活着的属主
持有:timeout 为 0 时返回 os.NewSyscallError("pthread_mutex_trylock",
unix.EBUSY);否则用 CAS 置上 futexWaiters,再
futexSleep(m.word(), old, m.Dead, m.Waits, deadline(timeout), timeout)。
睡眠之前(以及返回 EBUSY 之前):属主的 pid 是 word & futexTIDMask;
根本没有 pid(只有标志位),或者 unix.Kill(pid, 0) 返回 unix.ESRCH(没有这个
进程;EPERM 表示它存在):像置了 FUTEX_OWNER_DIED 的字一样接管(pid 是
robustTID 时除外)。
从死去的属主那里接管的锁返回 unix.EOWNERDEAD,并且锁已经持有。__owner 为
mutexNotRecoverable 时返回 ENOTRECOVERABLE。robustErr 不为空时,它就是
set_robust_list 的错误。`,
			`1. robustErr 不为空就返回它。robustMu.Lock();robustPending(m)。
2. 在锁字上循环:空闲、属主已死或属主已不存在(kill(pid, 0) 为 ESRCH):
   CAS 成我们的 id(保留等待位)并停止;
   被持有且 timeout 为 0:EBUSY;被持有:确保置上 FUTEX_WAITERS,再在带这个
   位的值上 futexSleep。
3. 拿到了,但 __owner 是 mutexNotRecoverable:把锁字还回去(有等待者就唤醒),
   返回 ENOTRECOVERABLE。
4. 任何错误:robustPending(nil),robustMu.Unlock(),返回错误。
5. 持有后:__count 置 1,robustEnqueue(m),robustPending(nil)。
6. 从死去的属主接管:__owner 置 mutexInconsistent,bump(m.Recovered),返回
   EOWNERDEAD。否则 __owner 置 robustTID,__nusers 加 1,返回 nil。`,
		},
	},
	{
		Func: "Mutex.Unlock", Notes: "course ep. 31 (互斥), ep. 39 (互斥锁)", Man: "futex(2), pthread_mutex_unlock(3)",
		Levels: [3]string{
			`Unlock undoes Lock in the reverse order: only the holder may unlock;
the mutex leaves the robust list; then one atomic exchange sets the word
to 0, and only if FUTEX_WAITERS was in it, one FUTEX_WAKE lets a
sleeper in. Without that wake the sleepers would stay asleep.`,
			`EPERM (os.NewSyscallError("pthread_mutex_unlock", unix.EPERM)) unless
*m.word() & futexTIDMask is robustTID. __owner back to 0, or to
mutexNotRecoverable if it is mutexInconsistent (taken from a dead owner
and never made Consistent). robustPending(m), robustDequeue(m), __nusers
minus one, atomic.SwapUint32(m.word(), 0); futexWaiters in the old word:
bump(m.Wakes) and FutexWake(m.word(), 1). Then robustPending(nil) and
robustMu.Unlock(), whatever FutexWake said.`,
			`1. Not ours: EPERM.
2. Work out __owner's new value.
3. Pending, off the list, __owner, __nusers.
4. Exchange the word with 0; waiters: count the wake and make it.
5. Pending cleared, robustMu released; return the wake's error.`,
		},
		Zh: [3]string{
			`Unlock 按相反的顺序撤销 Lock:只有持有者能解锁;互斥锁从健壮链表上摘下;
然后用一次原子交换把锁字置 0,只有原来的字里有 FUTEX_WAITERS 时,才用一次
FUTEX_WAKE 放一个睡眠者进来。少了这次唤醒,睡着的进程就一直睡下去。`,
			`*m.word() & futexTIDMask 不是 robustTID 时返回 EPERM
(os.NewSyscallError("pthread_mutex_unlock", unix.EPERM))。__owner 改回 0;
如果它是 mutexInconsistent(从死去的属主接管后没有调用 Consistent),就改成
mutexNotRecoverable。robustPending(m),robustDequeue(m),__nusers 减一,
atomic.SwapUint32(m.word(), 0);旧字里有 futexWaiters:bump(m.Wakes) 并
FutexWake(m.word(), 1)。然后不管 FutexWake 结果如何,都要
robustPending(nil) 和 robustMu.Unlock()。`,
			`1. 不是我们持有的:EPERM。
2. 算出 __owner 的新值。
3. 声明、从链表摘下、写 __owner、__nusers。
4. 锁字和 0 交换;有等待者就计数并唤醒一个。
5. 清除声明,释放 robustMu;返回唤醒的错误。`,
		},
	},
}
