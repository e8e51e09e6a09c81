package main

import (
	"os"
	"runtime/pprof"
	"time"
	"fmt"

	"github.com/wbsync/wbsync/pkg/desired"
)

func main() {
	b, _ := os.ReadFile(os.Args[1])
	f, _ := os.Create(os.Args[2])
	pprof.StartCPUProfile(f)
	t := time.Now()
	m, err := desired.Parse([]desired.Source{{Name: "m.yaml", Data: b}})
	fmt.Println(time.Since(t), err, len(m.State.Users))
	pprof.StopCPUProfile()
}
