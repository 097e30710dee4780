//go:build linux

#include "textflag.h"

// func atomicAdd64(p unsafe.Pointer, delta uint64)
TEXT ·atomicAdd64(SB),NOSPLIT,$0-16
	MOVD	p+0(FP), R0
	MOVD	delta+8(FP), R1
again:
	LDAXR	(R0), R2
	ADD	R1, R2
	STLXR	R2, (R0), R3
	CBNZ	R3, again
	RET
