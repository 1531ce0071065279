//go:build tools

// Package tools pins the containerd main packages built into .portico/bin (a module of its own:
// containerd's dependency versions differ from Kubernetes', and one module would move both).
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
