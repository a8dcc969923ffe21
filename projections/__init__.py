"""Read models folded from the event log: periods' inputs, kept scorecards, rankings and grades,
written incrementally to the view store by the projection runner."""
