// Command s3complete measures what an S3 server takes to complete a
// multipart upload, for bench/run.sh: it uploads a file in parts of
// -part bytes (as Lyssna's S3 backend does, 5 MiB by default), then times
// CompleteMultipartUpload alone. On a server that completes by copying the
// parts into one object (versitygw's posix backend) that time grows with
// the file, and every multipart client pays it after its last byte. It
// prints "complete_ms" and deletes the object.
//
//	go run ./bench/cmd/s3complete -endpoint http://127.0.0.1:7070 -bucket b -key k -file big.mp3
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func main() {
	endpoint := flag.String("endpoint", "", "the S3 server's `URL` (path-style addressing)")
	bucket := flag.String("bucket", "", "the `bucket`")
	key := flag.String("key", "s3complete.bin", "the object's `key`")
	path := flag.String("file", "", "the `file` to upload")
	part := flag.Int("part", 5<<20, "part size in `bytes`")
	access := flag.String("access-key", os.Getenv("AWS_ACCESS_KEY_ID"), "access `key`")
	secret := flag.String("secret-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret `key`")
	flag.Parse()
	ctx := context.Background()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(*endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(*access, *secret, ""),
		// As storage/s3 does: no CRC32 trailers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	f, err := os.Open(*path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	if err != nil {
		fail(err)
	}
	abort := func(err error) {
		_, _ = client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: key, UploadId: up.UploadId})
		fail(err)
	}
	buf := make([]byte, *part)
	var parts []types.CompletedPart
	for n := int32(1); ; n++ {
		m, err := io.ReadFull(f, buf)
		if err == io.EOF {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			abort(err)
		}
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: bucket, Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(n),
			Body: bytes.NewReader(buf[:m]), ContentLength: aws.Int64(int64(m)),
		})
		if err != nil {
			abort(err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
		if m < len(buf) {
			break
		}
	}
	start := time.Now()
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: bucket, Key: key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	took := time.Since(start)
	if err != nil {
		abort(err)
	}
	_, _ = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
	fmt.Printf("%.1f\n", float64(took.Nanoseconds())/1e6)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "s3complete:", err)
	os.Exit(1)
}
