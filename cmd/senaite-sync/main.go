// Command senaite-sync keeps SENAITE LIMS instances in step: coordinator,
// fetcher and importer roles sharing work through NATS JetStream and state
// through PostgreSQL.
package main

import (
	"errors"
	"os"

	"github.com/senaite-sync/senaite-sync/internal/cli"
)

func main() {
	if err := cli.Root().Execute(); err != nil {
		var exit *cli.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.Code)
		}
		os.Exit(1)
	}
}
