//! The rule families, one file each: every file adds `check_*` methods to the
//! inspector for the nodes its rules judge.

mod conditions;
mod destructive;
mod do_block;
mod explain;
mod function_calls;
mod select;
mod show;
mod writes;
