package testenv

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMain(m *testing.M) { os.Exit(RunMain(m)) }

func TestS3StartsAndMakesBuckets(t *testing.T) {
	srv := S3(t)
	name := srv.NewBucket(t)
	if _, err := srv.Client().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("HeadBucket(%s): %v", name, err)
	}
}

func TestPostgresGivesOwnSchema(t *testing.T) {
	u := Postgres(t)
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if len(schema) < len("lyssna_test_") || schema[:12] != "lyssna_test_" {
		t.Errorf("current_schema() = %q, want a lyssna_test_ schema", schema)
	}
}
