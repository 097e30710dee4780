//go:build linux

#include "textflag.h"

// func atomicAdd64(p unsafe.Pointer, delta uint64)
TEXT ·atomicAdd64(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), AX
	MOVQ	delta+8(FP), BX
	LOCK
	XADDQ	BX, 0(AX)
	RET
