// containerd's own content store testsuite (content/testsuite), run against
// hpc-content-plugin over gRPC, through containerd's proxy client, the way a
// containerd daemon reaches a proxy plugin:
//
//   - TestProxy: the proxy client alone, as `ctr content` sees the store;
//   - TestMetadata: the proxy client wrapped by containerd's metadata store
//     (namespaces, labels and garbage-collection references in bolt), which
//     is what containerd puts in front of a content proxy plugin; with the
//     shared and the isolated cross-namespace policies.
//
// Each test case gets its own plugin process and store root. The plugin is
// HPC_CONTENT_PLUGIN (set by ctest). Build and run with Debian's packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go test ./tests/contentsuite
package contentsuite

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/content/proxy"
	"github.com/containerd/containerd/content/testsuite"
	"github.com/containerd/containerd/metadata"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/pkg/dialer"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"
)

// plugin is one running hpc-content-plugin and the client connection to it.
type plugin struct {
	cmd    *exec.Cmd
	exited chan error
	conn   *grpc.ClientConn
	log    string
}

// startPlugin serves a fresh store under root and connects to it.
func startPlugin(root string) (*plugin, error) {
	binary := os.Getenv("HPC_CONTENT_PLUGIN")
	if binary == "" {
		return nil, fmt.Errorf("HPC_CONTENT_PLUGIN is not set: it names the hpc-content-plugin binary under test")
	}
	socket := filepath.Join(root, "content.sock")
	p := &plugin{log: filepath.Join(root, "plugin.log")}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	p.cmd = exec.Command(binary, "--root", filepath.Join(root, "store"), "--address", socket,
		"--log-level", "debug")
	p.cmd.Stdout = logFile
	p.cmd.Stderr = logFile
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()

	// Ready once the socket accepts a connection.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("%s exited before serving (%v); its log: %s", binary, err, p.readLog())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.cmd.Process.Kill()
			return nil, fmt.Errorf("%s did not serve %s within 10s; its log: %s", binary, socket, p.readLog())
		}
	}
	// Dialled as containerd dials its proxy plugins.
	p.conn, err = grpc.Dial(dialer.DialAddress(socket), grpc.WithInsecure(),
		grpc.WithContextDialer(dialer.ContextDialer))
	if err != nil {
		p.cmd.Process.Kill()
		return nil, err
	}
	return p, nil
}

func (p *plugin) readLog() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// stop asks the plugin to stop as a service manager does and expects a
// clean exit.
func (p *plugin) stop() error {
	p.conn.Close()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.exited:
		if err != nil {
			return fmt.Errorf("plugin exited with %v; its log: %s", err, p.readLog())
		}
		return nil
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		return fmt.Errorf("plugin did not stop within 15s of SIGTERM; its log: %s", p.readLog())
	}
}

// proxyStore is a testsuite.StoreInitFn: the plugin through the proxy client.
func proxyStore(ctx context.Context, root string) (context.Context, content.Store, func() error, error) {
	p, err := startPlugin(root)
	if err != nil {
		return nil, nil, nil, err
	}
	return ctx, proxy.NewContentStore(contentapi.NewContentClient(p.conn)), p.stop, nil
}

// metadataStore returns a testsuite.StoreInitFn: the proxy client wrapped by
// containerd's metadata store, each test context in a namespace of its own
// (as containerd's metadata tests do).
func metadataStore(opts ...metadata.DBOpt) testsuite.StoreInitFn {
	return func(ctx context.Context, root string) (context.Context, content.Store, func() error, error) {
		p, err := startPlugin(root)
		if err != nil {
			return nil, nil, nil, err
		}
		db, err := bolt.Open(filepath.Join(root, "meta.db"), 0o600, nil)
		if err != nil {
			p.stop()
			return nil, nil, nil, err
		}
		var count uint64
		name := testsuite.Name(ctx)
		ctx = testsuite.SetContextWrapper(ctx, func(ctx context.Context) (context.Context, func(context.Context) error, error) {
			n := atomic.AddUint64(&count, 1)
			return namespaces.WithNamespace(ctx, fmt.Sprintf("%s-n%d", name, n)),
				func(context.Context) error { return nil }, nil
		})
		store := metadata.NewDB(db, proxy.NewContentStore(contentapi.NewContentClient(p.conn)), nil, opts...).ContentStore()
		return ctx, store, func() error {
			dbErr := db.Close()
			if err := p.stop(); err != nil {
				return err
			}
			return dbErr
		}, nil
	}
}

func TestProxy(t *testing.T) {
	testsuite.ContentSuite(t, "proxy", proxyStore)
}

func TestMetadata(t *testing.T) {
	testsuite.ContentSuite(t, "metadata", metadataStore())
	testsuite.ContentCrossNSSharedSuite(t, "metadata", metadataStore())
	testsuite.ContentCrossNSIsolatedSuite(t, "metadata", metadataStore(metadata.WithPolicyIsolated))
}
