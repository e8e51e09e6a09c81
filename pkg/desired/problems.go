package desired

import (
	"container/heap"
	"fmt"
	"sort"
	"strconv"
)

// pos is a position in a source: the source's index, line and column.
type pos struct{ fi, line, col int32 }

// less orders positions by file, line and column.
func (p pos) less(q pos) bool {
	if p.fi != q.fi {
		return p.fi < q.fi
	}
	if p.line != q.line {
		return p.line < q.line
	}
	return p.col < q.col
}

type problem struct {
	pos
	msg string
}

func (a problem) less(b problem) bool {
	if a.pos != b.pos {
		return a.pos.less(b.pos)
	}
	return a.msg < b.msg
}

// problemSet keeps the first maxProblems problems by position in a max-heap
// (the last kept on top) and counts the others without formatting them, so
// that memory stays bounded however many problems a manifest has.
type problemSet struct {
	kept  []problem
	total int
}

func (s problemSet) Len() int           { return len(s.kept) }
func (s problemSet) Less(i, j int) bool { return s.kept[j].less(s.kept[i]) }
func (s problemSet) Swap(i, j int)      { s.kept[i], s.kept[j] = s.kept[j], s.kept[i] }
func (s *problemSet) Push(x any)        { s.kept = append(s.kept, x.(problem)) }
func (s *problemSet) Pop() any {
	p := s.kept[len(s.kept)-1]
	s.kept = s.kept[:len(s.kept)-1]
	return p
}

// keeps reports whether a problem at p might be kept (its message must then
// be formatted).
func (s *problemSet) keeps(p pos) bool {
	return len(s.kept) < maxProblems || !s.kept[0].pos.less(p)
}

// add records a problem, keeping it when it is among the first.
func (s *problemSet) add(p problem) {
	switch {
	case len(s.kept) < maxProblems:
		heap.Push(s, p)
	case p.less(s.kept[0]):
		s.kept[0] = p
		heap.Fix(s, 0)
	}
}

// addf records a problem at p; the message is formatted only when the
// problem is kept.
func (l *loader) addf(p pos, format string, args ...any) {
	l.probs.total++
	if l.probs.keeps(p) {
		l.probs.add(problem{p, fmt.Sprintf(format, args...)})
	}
}

// add records a problem whose message is already made.
func (l *loader) add(p pos, msg string) {
	l.probs.total++
	if l.probs.keeps(p) {
		l.probs.add(problem{p, msg})
	}
}

// keeps reports whether a problem at p would be kept: callers whose message
// is costly to build check it first and call skip otherwise.
func (l *loader) keeps(p pos) bool { return l.probs.keeps(p) }

// skip counts a problem that is not kept.
func (l *loader) skip() { l.probs.total++ }

// where formats p as FILE:LINE:COL.
func (l *loader) where(p pos) string {
	return l.names[p.fi] + ":" + strconv.Itoa(int(p.line)) + ":" + strconv.Itoa(int(p.col))
}

// problems returns the kept problems, sorted, and the count.
func (l *loader) problems() *ProblemsError {
	kept := l.probs.kept
	sort.Slice(kept, func(i, j int) bool { return kept[i].less(kept[j]) })
	ps := make(Problems, len(kept))
	for i, p := range kept {
		ps[i] = Problem{File: l.names[p.fi], Line: int(p.line), Column: int(p.col), Message: p.msg}
	}
	return &ProblemsError{Problems: ps, Total: l.probs.total}
}
