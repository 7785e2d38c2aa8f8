package graphql

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxQueryCost is the most a query may cost. Every field costs 1, and a
// page (functions, deployments, executions, apiKeys) costs 1 plus its
// page size times what is selected inside it, so the cost grows with the
// rows a query can return: functions(perPage: 20) { items { name } } costs
// 41, and with deployments(perPage: 20) { items { version } } nested beside
// name it costs 861.
const MaxQueryCost = 500

// costs are the complexity functions of the page fields: each multiplies
// the cost of its selection by the page size the resolver will fetch
// (page's default and cap included), so that a nested page multiplies
// again.
func costs() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Functions = func(child int, _, perPage *int, _, _ *string) int { return pageCost(child, perPage) }
	c.Function.Deployments = func(child int, _, perPage *int) int { return pageCost(child, perPage) }
	c.Function.Executions = func(child int, _, perPage *int, _ *string) int { return pageCost(child, perPage) }
	c.Function.APIKeys = func(child int, _, perPage *int) int { return pageCost(child, perPage) }
	return c
}

// pageCost is 1 + size × child, saturating rather than overflowing so that
// no query can wrap around to a small cost.
func pageCost(child int, perPage *int) int {
	size := page(nil, perPage).Size
	if child > (math.MaxInt-1)/size {
		return math.MaxInt
	}
	return 1 + size*child
}

// costLimit refuses, before anything is resolved, a query whose cost is
// above limit, with a message that says the cost, the limit and how to
// bring one under the other.
type costLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

// Interface guards.
var (
	_ graphql.HandlerExtension        = (*costLimit)(nil)
	_ graphql.OperationContextMutator = (*costLimit)(nil)
)

func (c *costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	cost := complexity.Calculate(ctx, c.es, op, opCtx.Variables)
	if cost <= c.limit {
		return nil
	}
	err := gqlerror.Errorf("query cost %d exceeds the limit of %d: every field costs 1 and a page "+
		"(functions, deployments, executions, apiKeys) multiplies what it selects by its perPage (at most 100); "+
		"ask for smaller pages or fewer nested lists", cost, c.limit)
	errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
	return err
}
