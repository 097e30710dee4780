//go:build linux && (amd64 || arm64) && blankhints

package cli

// blankProse is on in a build with -tags blankhints: error lines keep only
// the call and the errno symbol (no "what was tried", no hint). CI runs the
// graded scenarios so, to prove they grade facts, not the lab's wording:
// a learner's correct code must pass whatever words it prints.
const blankProse = true
