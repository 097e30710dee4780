//go:build linux && (amd64 || arm64) && !exercise

package shmlab_test

// buildTags are the build tags TestCrossChapter builds the chapter programs
// with: those of this test binary.
const buildTags = ""
