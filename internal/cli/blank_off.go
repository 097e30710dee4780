//go:build linux && (amd64 || arm64) && !blankhints

package cli

// blankProse is off in a normal build (see blank_on.go).
const blankProse = false
