//go:build linux && (amd64 || arm64) && exercise

package exercise

// Built is true in a build with -tags exercise: the lesson functions are the
// learner's (exercise.go), not the reference (lab.go).
const Built = true
