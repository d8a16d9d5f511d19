// gocontentserver serves containerd's Content API over containerd's own
// local content store, with containerd's own gRPC content server, on a unix
// socket: the Go peer hack/bench.sh measures hpc-content-plugin against,
// plugged into containerd as a proxy plugin the same way. Labels are kept in
// memory (containerd's metadata store, in front of any proxy, keeps its own).
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build ./tests/bench/gocontentserver
//	gocontentserver ROOT SOCKET
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	"github.com/containerd/containerd/content/local"
	"github.com/containerd/containerd/services/content/contentserver"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc"
)

// memoryLabels is a local.LabelStore held in a map.
type memoryLabels struct {
	mu     sync.Mutex
	labels map[digest.Digest]map[string]string
}

func (m *memoryLabels) Get(d digest.Digest) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyLabels(m.labels[d]), nil
}

func (m *memoryLabels) Set(d digest.Digest, labels map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.labels[d] = copyLabels(labels)
	return nil
}

func (m *memoryLabels) Update(d digest.Digest, update map[string]string) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	labels := m.labels[d]
	if labels == nil {
		labels = map[string]string{}
	}
	for k, v := range update {
		if v == "" {
			delete(labels, k)
		} else {
			labels[k] = v
		}
	}
	m.labels[d] = labels
	return copyLabels(labels), nil
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gocontentserver ROOT SOCKET")
		os.Exit(2)
	}
	root, socket := os.Args[1], os.Args[2]
	store, err := local.NewLabeledStore(root, &memoryLabels{labels: map[digest.Digest]map[string]string{}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gocontentserver: store %s: %v\n", root, err)
		os.Exit(1)
	}
	os.Remove(socket)
	listener, err := net.Listen("unix", socket)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gocontentserver: listen on %s: %v\n", socket, err)
		os.Exit(1)
	}
	server := grpc.NewServer()
	contentapi.RegisterContentServer(server, contentserver.New(store))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		server.Stop()
	}()
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "gocontentserver: %v\n", err)
		os.Exit(1)
	}
}
