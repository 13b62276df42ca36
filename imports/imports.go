// Package imports owns moving a show in and out of Lyssna: importing a show
// from its existing RSS feed (or from a Lyssna export archive) as a durable,
// resumable job, and exporting a show as a zip archive. Imported enclosures
// go through the same ingest pipeline as uploads (package uploads); fetching
// is guarded against private addresses and bounded in size, count, redirects
// and time.
package imports
