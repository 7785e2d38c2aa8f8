package graphql

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
)

// Handler serves queries over POST and GET, and subscriptions over
// WebSockets (graphql-transport-ws). Introspection stays on: the schema is
// public in the repository anyway. A query costing more than
// MaxQueryCost is refused before anything is read.
func Handler(r *Resolver) http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: costs()}))
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		// The request was authenticated by its signature, not a cookie:
		// the webserver checks browsers' origins before it signs.
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{"graphql-transport-ws", "graphql-ws"}},
		},
	})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](256))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if r.Recheck != nil {
			if err := r.Recheck(ctx); err != nil {
				return graphql.OneShot(graphql.ErrorResponse(ctx, "the credential this connection was opened with has ended; sign in again"))
			}
		}
		return next(ctx)
	})
	srv.SetErrorPresenter(r.present)
	srv.Use(extension.Introspection{})
	srv.Use(&costLimit{limit: MaxQueryCost})
	return srv
}
