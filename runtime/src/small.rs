//! A short list kept on the stack: the router's candidates and their
//! ordering keys, a handful per case, so that routing a case does not ask
//! the allocator for them. Beyond its inline capacity the list moves to
//! the heap and goes on as a `Vec`.
//!
//! Imports: nothing.

/// Up to `N` items inline, then a `Vec`.
#[derive(Debug, Clone)]
pub(crate) struct Small<T, const N: usize> {
    inline: [T; N],
    len: usize,
    /// Every item, once there are more than `N`.
    heap: Vec<T>,
}

impl<T: Copy + Default, const N: usize> Default for Small<T, N> {
    fn default() -> Self {
        Small {
            inline: [T::default(); N],
            len: 0,
            heap: Vec::new(),
        }
    }
}

impl<T: Copy + Default, const N: usize> Small<T, N> {
    /// Adds an item at the end.
    pub(crate) fn push(&mut self, item: T) {
        if self.heap.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.len) {
                *slot = item;
                self.len += 1;
                return;
            }
            self.heap.reserve(2 * N);
            self.heap.extend_from_slice(&self.inline);
        }
        self.heap.push(item);
    }

    /// The items, in the order pushed.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.heap.is_empty() {
            self.inline.get_mut(..self.len).unwrap_or_default()
        } else {
            &mut self.heap
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Small;

    #[test]
    fn keeps_every_item_in_order_past_its_inline_capacity() {
        for count in [0u32, 1, 3, 4, 5, 40] {
            let mut list: Small<u32, 4> = Small::default();
            for item in 0..count {
                list.push(item);
            }
            let expected: Vec<u32> = (0..count).collect();
            assert_eq!(list.as_mut_slice(), expected.as_slice(), "{count} items");
        }
    }
}
