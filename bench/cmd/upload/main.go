// Command upload sends one episode upload to Lyssna's API as a streamed
// multipart POST (an "episode" JSON part, then the file as the "audio"
// part), for bench/run.sh, and times it: the whole request, and from the
// moment the last byte of the body was handed to the connection to the
// response's status line (what the producer waits for after the upload
// itself). It prints "total_s<TAB>after_last_byte_ms<TAB>status".
//
//	go run ./bench/cmd/upload -url http://127.0.0.1:8080 -token T -show s -file big.mp3
package main

import (
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"sync/atomic"
	"time"
)

// lastByte is a reader that notes when it returned its last byte.
type lastByte struct {
	r    io.Reader
	done atomic.Int64 // unix nanoseconds of EOF
}

func (l *lastByte) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err == io.EOF && l.done.Load() == 0 {
		l.done.Store(time.Now().UnixNano())
	}
	return n, err
}

func main() {
	base := flag.String("url", "", "Lyssna's base `URL`")
	token := flag.String("token", "", "API `token`")
	show := flag.String("show", "", "the show's `slug`")
	path := flag.String("file", "", "the audio `file`")
	flag.Parse()
	f, err := os.Open(*path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="episode"`)
		h.Set("Content-Type", "application/json")
		p, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.WriteString(p, `{"title":"Upload benchmark"}`)
		}
		if err == nil {
			h = textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="audio"; filename="upload.mp3"`)
			h.Set("Content-Type", "audio/mpeg")
			p, err = mw.CreatePart(h)
		}
		if err == nil {
			_, err = io.CopyBuffer(p, f, make([]byte, 1<<20))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	body := &lastByte{r: pr}
	req, err := http.NewRequest(http.MethodPost, *base+"/api/v1/shows/"+*show+"/episodes", body)
	if err != nil {
		fail(err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	got := time.Now()
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	if resp.StatusCode != http.StatusCreated {
		fail(fmt.Errorf("upload answered %s: %s", resp.Status, msg))
	}
	after := float64(got.UnixNano()-body.done.Load()) / 1e6
	fmt.Printf("%.3f\t%.1f\t%d\n", got.Sub(start).Seconds(), after, resp.StatusCode)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "upload:", err)
	os.Exit(1)
}
