package lambda

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Who may talk to a sandbox's Runtime API.
//
// The bootstrap is an unmodified program that dials AWS_LAMBDA_RUNTIME_API, a host:port: the
// Runtime API cannot be a Unix socket, and the bootstrap cannot present a secret. A TCP port on
// 127.0.0.1 is open to every process of the machine, and SO_PEERCRED does not exist for TCP. So
// each accepted connection is traced to its process through /proc, as ss(8) does:
//
//  1. /proc/net/tcp lists both ends of a loopback connection; the client's end is the row whose
//     local address is the accepted connection's remote one, and it names the socket's inode.
//  2. The connection is the sandbox's if that inode is one of the open files (/proc/<pid>/fd/*
//     → socket:[inode]) of the sandbox's process, or of a process in its process group (what the
//     function started).
//
// Anything else gets 403 and is closed, before a byte of it reaches the Runtime API. A process
// that could read another user's /proc/<pid>/fd could as well ptrace it; within the user, a
// process outside the sandbox cannot pass as it without the sandbox handing it the socket.
//
// The other way, a network namespace per sandbox (unshare -rn, with a relay inside for the
// Runtime API and the gateway), was not taken: the function would run as uid 0 of a user
// namespace, every cold start would pay for the namespace and a relay process, and the relay
// would be one more process to keep from outliving the cloud.

// peerListener accepts only connections whose client end is held by a process allow approves.
type peerListener struct {
	net.Listener
	main  func() int         // the process looked at first (the sandbox's); 0: none
	allow func(pid int) bool // whether another process may hold the client end
	log   *slog.Logger
	name  string
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.owned(c) {
			return c, nil
		}
		l.log.Warn("runtime API: refused a connection from outside the sandbox", "function", l.name, "from", c.RemoteAddr().String())
		go refuse(c)
	}
}

// owned reports whether the client end of c is held by main or a process allow approves.
func (l *peerListener) owned(c net.Conn) bool {
	remote, ok1 := c.RemoteAddr().(*net.TCPAddr)
	local, ok2 := c.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false
	}
	inode, err := tcpInode(remote, local)
	if err != nil || inode == "" || inode == "0" {
		return false
	}
	want := "socket:[" + inode + "]"
	if pid := l.main(); pid > 0 && holds(pid, want) {
		return true
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && pid != l.main() && l.allow(pid) && holds(pid, want) {
			return true
		}
	}
	return false
}

// holds reports whether one of pid's open files is link (socket:[inode]).
func holds(pid int, link string) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if l, err := os.Readlink(dir + fd.Name()); err == nil && l == link {
			return true
		}
	}
	return false
}

// refuse reads the request, answers 403 and closes. The request is read first: a 403 written on
// accept can reach the client before its request is sent (a Go client then drops it as an
// unsolicited response and reports a broken connection, seen in make test), and closing with the
// request unread resets the connection, which can discard the answer.
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
		io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
		req.Body.Close()
	}
	const body = `{"errorType":"Forbidden","errorMessage":"the Runtime API answers its sandbox's processes only"}` + "\n"
	fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// procAddr is an IPv4 address as /proc/net/tcp writes it: the address's 32-bit value in host
// (little-endian) order and the port, both in upper-case hex.
func procAddr(a *net.TCPAddr) (string, bool) {
	ip := a.IP.To4()
	if ip == nil {
		return "", false
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port), true
}

// tcpInode returns the inode of the socket whose local address is from and remote address is to.
func tcpInode(from, to *net.TCPAddr) (string, error) {
	l, ok1 := procAddr(from)
	r, ok2 := procAddr(to)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("not IPv4: %s, %s", from, to)
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", err
	}
	defer f.Close()
	return scanTCP(f, l, r)
}

func scanTCP(r io.Reader, local, remote string) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			continue
		}
		if strings.EqualFold(f[1], local) && strings.EqualFold(f[2], remote) {
			return f[9], nil
		}
	}
	return "", sc.Err()
}

// processGroup returns pid's process group id from /proc/<pid>/stat, or -1.
func processGroup(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp ...
	if len(f) < 3 {
		return -1
	}
	g, err := strconv.Atoi(f[2])
	if err != nil {
		return -1
	}
	return g
}

// mainPid is the sandbox's process, once started (a connection can only come after the start).
func (sb *sandbox) mainPid() int {
	select {
	case <-sb.started:
		return sb.pid
	case <-time.After(5 * time.Second):
		return 0
	}
}

// inGroup reports whether pid is in the sandbox's process group (what the function started).
func (sb *sandbox) inGroup(pid int) bool {
	main := sb.mainPid()
	return main > 0 && processGroup(pid) == main
}
