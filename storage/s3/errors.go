package s3

import (
	"context"
	"errors"
	"fmt"
	"net"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/lyssna/lyssna/storage"
)

// bucketMissing marks a 404 that Ping knows is about the bucket, since a
// HEAD answer carries no error code.
type bucketMissing struct{ err error }

func (e *bucketMissing) Error() string { return e.err.Error() }
func (e *bucketMissing) Unwrap() error { return e.err }

// mapErr turns an SDK error into storage.ErrNotFound, or into an error whose
// message names the setting to fix; the SDK error stays wrapped for logs.
func (b *Bucket) mapErr(op, key string, err error) error {
	what := "s3: " + op
	if key != "" {
		what += fmt.Sprintf(" %q", key)
	}
	code := errorCode(err)
	status := httpStatus(err)
	var bm *bucketMissing
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errStalled):
		// The service did not answer in time (Options.Timeout) or stalled.
		return fmt.Errorf("%s: %s did not answer in time: %w: %w", what, b.endpoint, storage.ErrUnavailable, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", what, err)
	case code == "NoSuchBucket", errors.As(err, &bm):
		return fmt.Errorf("%s: bucket %q does not exist at %s: create it or fix LYSSNA_S3_BUCKET: %w",
			what, b.bucket, b.endpoint, err)
	case code == "InvalidAccessKeyId", code == "XAdminUserNotFound": // the latter from versitygw
		return fmt.Errorf("%s: %s does not know the access key: fix LYSSNA_S3_ACCESS_KEY: %w", what, b.endpoint, err)
	case code == "SignatureDoesNotMatch":
		return fmt.Errorf("%s: %s refused the request signature, so the secret key does not belong to the access key: fix LYSSNA_S3_SECRET_KEY: %w",
			what, b.endpoint, err)
	case code == "AuthorizationHeaderMalformed", code == "PermanentRedirect", status == 301:
		return fmt.Errorf("%s: bucket %q lives in another region: fix LYSSNA_S3_REGION: %w", what, b.bucket, err)
	case code == "AccessDenied", status == 403:
		return fmt.Errorf("%s: %s denied access to bucket %q: check LYSSNA_S3_ACCESS_KEY and LYSSNA_S3_SECRET_KEY and the key's permissions: %w",
			what, b.endpoint, b.bucket, err)
	case code == "NoSuchKey", code == "NotFound", status == 404:
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	case unreachable(err):
		return fmt.Errorf("%s: cannot reach %s: check LYSSNA_S3_ENDPOINT and that the service is up: %w: %w", what, b.endpoint, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func unreachable(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
