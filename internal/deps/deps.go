package deps

import (
	_ "github.com/elimity-com/scim"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/sethvargo/go-retry"
	_ "go.uber.org/zap"
	_ "go.uber.org/zap/zaptest"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
